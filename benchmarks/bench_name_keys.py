"""Name keys: how many spelling variants they join, how few distinct names they merge, speed.

- recall: pairs of spellings of one name (Latin, Cyrillic, Arabic, Chinese, Korean) where
  every token of the shorter name meets the other's keys; ``dev`` is the set the skeleton
  rules were designed on, ``second`` a set written afterwards (two rules were added after
  its first measurement, see docs/benchmarks/name_keys.md).
- merged: pairs of *different* names (across groups, and across a pool of common
  surnames) that meet all the same — the price of the loose skeleton.
- speed: names/s of ``name_keys`` against a baseline of anyascii + casefold + split,
  measured in the same process; ``ratio`` = our rate / baseline rate.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

from anyascii import anyascii

from accord.domain.values import namekeys
from accord.domain.values.namekeys import name_keys, name_tokens, token_keys

DEV = [
    ["Joaquin Guzman", "Joaquín GUZMÁN LOERA", "Хоакин Гусман", "JOAQUIN GUZMAN-LOERA"],
    ["Mohammed", "Muhammad", "Mohamed", "محمد", "Muhammed", "Mohammad", "Мухаммед"],
    ["Ahmed", "Ahmad", "أحمد", "احمد", "Ахмед"],
    ["Hussein", "Husain", "Hussain", "حسين", "Хусейн"],
    ["Khalid", "Khaled", "خالد", "Халид"],
    ["Yusuf", "Youssef", "Yousef", "يوسف", "Юсуф"],
    ["Omar", "Umar", "عمر", "Омар"],
    ["Ibrahim", "Ebrahim", "إبراهيم", "Ибрахим"],
    ["Mustafa", "Mostafa", "Moustafa", "مصطفى", "Мустафа"],
    ["Hernández", "Hernandez", "Эрнандес"],
    ["José", "Jose", "Хосе"],
    ["Jesús", "Jesus", "Хесус"],
    ["Sergei", "Sergey", "Serguei", "Сергей"],
    ["Aleksandr", "Alexander", "Александр"],
    ["Mikhail", "Mijail", "Michail", "Михаил"],
    ["Dmitri", "Dmitry", "Dmitriy", "Дмитрий"],
    ["Yuri", "Yury", "Iouri", "Юрий"],
    ["Shcherbakov", "Scherbakov", "Chtcherbakov", "Щербаков"],
    ["Zhukov", "Joukov", "Schukow", "Жуков"],
    ["Vladimir", "Wladimir", "Владимир"],
    ["Rodríguez", "Rodriguez", "Родригес"],
    ["Vázquez", "Vazquez", "Vasquez", "Васкес"],
    ["Wang Xiaoming", "王小明", "Xiaoming Wang"],
    ["Xi Jinping", "习近平"],
    ["Kim Jong Un", "김정은", "Kim Jong-un"],
    ["Fatima", "Fatimah", "فاطمة", "Фатима"],
    ["Ali", "علي", "Али"],
    ["Yevgeny", "Evgeny", "Evgeniy", "Евгений"],
    ["Nikolai", "Nikolay", "Николай"],
    ["Tatiana", "Tatyana", "Татьяна"],
    ["Caro Quintero", "Каро Кинтеро"],
    ["Pablo Escobar", "Пабло Эскобар"],
    ["Ochoa", "Очоа"],
    ["Kuznetsov", "Kouznetsov", "Кузнецов"],
    ["Hassan", "Hasan", "حسن", "Хасан"],
    ["Mahmoud", "Mahmud", "محمود", "Махмуд"],
    ["Ismail", "Ismael", "إسماعيل", "Исмаил"],
    ["Abdullah", "Abdallah", "Абдулла"],
    ["Gonzalo", "Гонсало"],
    ["Miguel Ángel", "Мигель Анхель"],
    ["Juan Carlos", "Хуан Карлос"],
    ["Guillermo", "Гильермо"],
    ["Zambada", "Самбада"],
    ["Castillo", "Кастильо"],
    ["Chávez", "Chavez", "Чавес"],
    ["Félix Gallardo", "Феликс Гальярдо"],
    ["Carrillo Fuentes", "Каррильо Фуэнтес"],
    ["Ivanov", "Iwanow", "Иванов"],
    ["Olga", "Ольга"],
    ["Natalia", "Natalya", "Наталья"],
]
SECOND = [
    ["Rafael Caro Quintero", "Рафаэль Каро Кинтеро"],
    ["Ismael Zambada García", "Исмаэль Самбада Гарсия"],
    ["Héctor Beltrán Leyva", "Эктор Бельтран Лейва", "Hector Beltran Leyva"],
    ["Osiel Cárdenas Guillén", "Осиэль Карденас Гильен"],
    ["Javier Hernández", "Хавьер Эрнандес", "Javier Hernandez"],
    ["Jorge Jiménez", "Хорхе Хименес", "Jorge Jimenez"],
    ["Ramón Arellano Félix", "Рамон Арельяно Феликс"],
    ["Yusuf Ahmed", "يوسف أحمد", "Юсуф Ахмед", "Youssef Ahmad"],
    ["Khalil Ibrahim", "خليل إبراهيم", "Халиль Ибрагим"],
    ["Karim", "Kareem", "كريم", "Карим"],
    ["Said", "Saeed", "Sayed", "سعيد", "Саид"],
    ["Walid", "Waleed", "وليد", "Валид"],
    ["Tariq", "Tarek", "Tarik", "طارق", "Тарик"],
    ["Nasser", "Nasir", "Naser", "ناصر", "Насер"],
    ["Jamal", "Gamal", "جمال", "Джамал"],
    ["Zakaria", "Zakariya", "Zacarías", "زكريا", "Закария"],
    ["Andrei Volkov", "Andrey Volkov", "Андрей Волков", "Andrei Wolkow"],
    ["Alexei Sokolov", "Aleksey Sokolov", "Алексей Соколов"],
    ["Pyotr Smirnov", "Petr Smirnov", "Пётр Смирнов"],
    ["Evgeni Popov", "Yevgeniy Popov", "Евгений Попов"],
    ["Grigory Kozlov", "Grigori Kozlov", "Григорий Козлов"],
    ["Fyodor Morozov", "Fedor Morozov", "Фёдор Морозов"],
    ["Chen Wei", "陈伟"],
    ["Li Na", "李娜"],
    ["Zhang Wei", "张伟"],
    ["Nguyễn Văn An", "Nguyen Van An"],
    ["Sánchez", "Sanchez", "Санчес"],
    ["Gutiérrez", "Gutierrez", "Гутьеррес"],
    ["Quiñones", "Quinones", "Киньонес"],
    ["Ximena", "Jimena", "Химена"],
    ["Yolanda", "Иоланда", "Iolanda"],
    ["Llanos", "Льянос"],
]
# Common surnames (words, not people): distinct names that should stay apart.
SURNAMES = """García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín
Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres
Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado
Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano
Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores
Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana
Herrero Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente
Vargas Arias Carmona Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo
Gallardo Rojas Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov
Fedorov Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev
Orlov Andreev Makarov Nikitin Zakharov Zaitsev Solovyov Borisov Yakovlev Grigoriev Romanov
Vorobiev Sergeev Kuzmin Frolov Alexandrov Dmitriev Korolev Gusev Kiselev Ilyin Maksimov
Polyakov Sorokin Vinogradov Kovalev Belov Medvedev Antonov Tarasov Zhukov Baranov Filippov
Komarov Davydov Belyaev Gerasimov Bogdanov Osipov Sidorov Matveev Titov Markov Mironov
Krylov Kulikov Karpov Vlasov Melnikov Denisov Gavrilov Tikhonov Kazakov Afanasiev Danilov
Savelyev Timofeev Fomin Chernov Abramov Martynov Efimov Fedotov Shcherbakov Nazarov Kalinin
Isaev Chernyshev Bykov Maslov Rodionov Konovalov Lazarev Voronin Klimov Filatov Ponomarev
Golubev Kudryavtsev Prokhorov Naumov Potapov Zhuravlev Ovchinnikov Trofimov Leonov Sobolev
Ermakov Kolesnikov Goncharov Emelyanov Nikiforov Grachev Kotov Grishin Efremov Arkhipov
Gromov Kirillov Malyshev Panov Moiseev Rumyantsev Akimov Kondratiev Biryukov Gorbunov
Anisimov Eremin Tikhomirov Galkin Lukyanov Mikheev Skvortsov Yudin Belousov Nesterov
Simonov Prokofiev Kharitonov Knyazev Tsvetkov Levin Mitrofanov Voronov Aksenov Sofronov
Maltsev Loginov Gorshkov Savin Krasnov Mayorov Demidov Eliseev Rybakov Safonov Plotnikov
Demin Khokhlov Fadeev Molchanov Ignatov Litvinov Ershov Ushakov Dementiev Ryabov Mukhin
Kalashnikov Leontiev Lobanov Kuzin Korneev Evdokimov Borodin Platonov Nekrasov Balashov
Bobrov Zhdanov Blinov Ignatiev Korotkov Muravyov Kryukov Belyakov Bogomolov Drozdov Lavrov
Zuev Petukhov Larin Nikulin Serov Terentiev Zotov Ustinov Fokin Samoilov Konstantinov
Sakharov Shishkin Samsonov Cherkasov Chistyakov Nosov Spiridonov Karasev Avdeev Vorontsov
Zverev Vladimirov Seleznev Nechaev Kudryashov Sedov Firsov Andrianov Panin Golovin Terekhov
Ulyanov Shestakov Ageev Nikonov Selivanov Bazhenov Gordeev Kozhevnikov Pakhomov Zimin
Kostin Shirokov Filimonov Larionov Ovsyannikov Sazonov Suvorov Nefedov Kornilov Lyubimov
Lvov Gorbachev Kopylov Lukin Tokarev Kuleshov Shilov Bolshakov Pankratov Rodin Shapovalov
Pokrovsky Bocharov Nikolsky Markin Gorelov Agafonov Berezin Ermolaev Zubkov Kupriyanov
Trifonov Maslennikov Kruglov Tretyakov Kolosov Rozhkov Artamonov Shmelev Laptev Lapshin
Fedoseev Zinoviev Zorin Utkin Stolyarov Zubov Tkachev Dorofeev Antipov Zavyalov Sviridov
Zolotarev Kulakov Meshcheryakov Makeev Dyakonov Guryev Chernyaev Ryzhov Mamedov Aliyev
Hassan Hussein Ahmed Mohamed Ali Ibrahim Mahmoud Mustafa Abdullah Khalil Saleh Nasser
Yusuf Omar Karim Tariq Walid Jamal Khalid Said Farouk Rashid Hamid Aziz Habib Samir Nabil
Sharif Qasim Bakr Amin Fadel Ghanem Haddad Jaber Mansour Naji Othman Qureshi Rahman Salem
Suleiman Zayed Zaki Anwar Darwish Ismail Idris Yassin""".split()


def _covers(query: str, candidate: str) -> bool:
    keys = name_keys(candidate)
    return all(token_keys(t) & keys for t in name_tokens(query))


def _covers_ascii(query: str, candidate: str) -> bool:
    keys = name_keys(candidate)
    return all(t in keys for t in name_tokens(query))


def _recall(groups: list[list[str]], fn: Callable[[str, str], bool]) -> float:
    hits = total = 0
    for group in groups:
        for a, b in itertools.permutations(group, 2):
            query, candidate = (a, b) if len(name_tokens(a)) <= len(name_tokens(b)) else (b, a)
            total += 1
            hits += fn(query, candidate)
    return hits / total


def _merged(names: list[list[str]], fn: Callable[[str, str], bool]) -> float:
    merged = total = 0
    for g1, g2 in itertools.combinations(names, 2):
        for a in g1:
            for b in g2:
                total += 1
                merged += fn(a, b)
    return merged / total


def _baseline(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", anyascii(text).casefold()))


def _rate(fn: Callable[[str], object], names: list[str]) -> float:
    for cached in (namekeys._analyse, namekeys._word_tokens, namekeys._token_keys):
        cached.cache_clear()
    start = time.perf_counter()
    for name in names:
        fn(name)
    return len(names) / (time.perf_counter() - start)


def run(quick: bool) -> dict[str, object]:
    surnames = sorted(set(SURNAMES))
    firsts = [g[0] for g in DEV + SECOND]
    size = 5_000 if quick else 100_000
    names = [f"{firsts[i % len(firsts)]} {surnames[i % len(surnames)]} {i}" for i in range(size)]
    baseline_rate = _rate(_baseline, names)
    ours_rate = _rate(name_keys, names)
    return {
        "recall_dev": round(_recall(DEV, _covers), 3),
        "recall_dev_ascii_only": round(_recall(DEV, _covers_ascii), 3),
        "recall_second": round(_recall(SECOND, _covers), 3),
        "recall_second_ascii_only": round(_recall(SECOND, _covers_ascii), 3),
        "merged_across_groups": round(_merged(DEV + SECOND, _covers), 4),
        "merged_surname_pairs": round(_merged([[s] for s in surnames], _covers), 4),
        "surnames": len(surnames),
        "names": size,
        "names_per_s": round(ours_rate),
        "baseline_names_per_s": round(baseline_rate),
        "ratio": round(ours_rate / baseline_rate, 3),
    }
