"""Name pools: given names, surnames, nicknames and romanisations.

Pure data. Names in non-Latin scripts come as ``(native, romanisations)``
where romanisation 0 is the English (BGN/PCGN or pinyin) form used as the
canonical spelling, 1 a scholarly or passport form, 2 a Spanish or French
habit and 3 a German or Dutch habit (lists may be shorter; callers wrap).
"""

from __future__ import annotations

HISPANIC_MALE = [
    "José", "Juan", "Carlos", "Luis", "Jorge", "Miguel", "Andrés", "Alejandro", "Diego",
    "Javier", "Fernando", "Ricardo", "Eduardo", "Francisco", "Manuel", "Antonio", "Jesús",
    "Ignacio", "Guillermo", "Alberto", "Roberto", "Alfredo", "Enrique", "Rafael", "Sergio",
    "Héctor", "Óscar", "Raúl", "Iván", "Julián", "Sebastián", "Nicolás", "Camilo", "Mauricio",
    "Hernán", "Gonzalo", "Rodrigo", "Ramón", "Joaquín", "Ismael", "Arturo", "Gerardo", "Rubén",
    "Víctor", "Martín", "Adrián", "Gustavo", "Fabián", "Édgar", "Álvaro", "Wilson", "Jhon",
    "Yeison", "Brayan", "Efraín", "Abelardo", "Lisandro", "Norberto", "Octavio", "Saúl",
]
HISPANIC_FEMALE = [
    "María", "Ana", "Luisa", "Carolina", "Claudia", "Patricia", "Sandra", "Diana", "Paola",
    "Andrea", "Natalia", "Valentina", "Daniela", "Lucía", "Sofía", "Isabel", "Rosario",
    "Guadalupe", "Dolores", "Concepción", "Mónica", "Verónica", "Gabriela", "Adriana",
    "Liliana", "Marcela", "Ángela", "Beatriz", "Silvia", "Teresa", "Elena", "Inés", "Julia",
    "Raquel", "Yolanda", "Marisol", "Leidy", "Yuliana", "Esperanza", "Consuelo",
]
HISPANIC_COMPOUND_MALE = [
    "Juan Carlos", "José Luis", "Luis Fernando", "Juan Pablo", "José Manuel", "Miguel Ángel",
    "Juan José", "Carlos Andrés", "Jorge Eliécer", "Luis Alberto", "José Antonio", "Juan David",
]
HISPANIC_COMPOUND_FEMALE = [
    "María José", "María Fernanda", "Ana María", "Luz Marina", "María del Pilar",
    "Ana Lucía", "María Isabel", "Luz Dary",
]
HISPANIC_SURNAMES = [
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Jiménez", "Mendoza", "Álvarez",
    "Castillo", "Vargas", "Romero", "Herrera", "Medina", "Aguilar", "Muñoz", "Rojas",
    "Castro", "Ortega", "Restrepo", "Londoño", "Echeverri", "Zuluaga", "Ospina", "Cárdenas",
    "Quintana", "Valencia", "Mejía", "Arango", "Betancur", "Salazar", "Zapata", "Ochoa",
    "Henao", "Loaiza", "Fonseca", "Beltrán", "Carrillo", "Quiroz", "Guerrero", "Navarro",
    "Domínguez", "Vázquez", "Iglesias", "Núñez", "Otero", "Lago", "Piñeiro", "Castaño",
    "Serrano", "Molina", "Delgado", "Suárez", "Peña", "Cabrera", "Campos", "Vega", "Fuentes",
    "Carrasco", "Caballero", "Nieto", "Ibáñez", "Ferrer", "Santana", "Montoya", "Giraldo",
    "Cifuentes", "Barrios", "Solís", "Espinosa", "Benítez", "Acosta", "Sepúlveda", "Villegas",
    "Bermúdez", "Arbeláez", "Gaitán", "Pacheco", "Lozano", "Moncada", "Trujillo", "Córdoba",
]
# Given name -> hypocoristics an informant or a colleague would use.
HYPOCORISTICS: dict[str, list[str]] = {
    "José": ["Pepe", "Chepe"], "Francisco": ["Paco", "Pancho"], "Jesús": ["Chucho", "Chuy"],
    "Ignacio": ["Nacho"], "Guillermo": ["Memo"], "Alberto": ["Beto"], "Roberto": ["Beto"],
    "Alfredo": ["Fredy"], "Enrique": ["Quique"], "Manuel": ["Manolo", "Manu"],
    "Antonio": ["Toño", "Tony"], "Eduardo": ["Lalo"], "Luis": ["Lucho"], "Gerardo": ["Gera"],
    "Rafael": ["Rafa"], "Alejandro": ["Álex", "Jano"], "Fernando": ["Nando"],
    "Ricardo": ["Richi"], "Javier": ["Javi"], "Sebastián": ["Sebas"], "Nicolás": ["Nico"],
    "Gonzalo": ["Chalo"], "Rodrigo": ["Rodri"], "Joaquín": ["Quino"], "Gustavo": ["Tavo"],
    "Dolores": ["Lola"], "Concepción": ["Concha"], "Rosario": ["Charo"], "Guadalupe": ["Lupe"],
    "Isabel": ["Chabela"], "Teresa": ["Tere"], "Mónica": ["Moni"], "Patricia": ["Paty"],
    "Natalia": ["Nati"], "Valentina": ["Vale"], "Daniela": ["Dani"], "Gabriela": ["Gaby"],
    "María": ["Mari"], "Juan": ["Juancho"],
    "William": ["Bill"], "Robert": ["Bob", "Rob"], "Richard": ["Rick"], "James": ["Jim"],
    "Michael": ["Mike"], "Thomas": ["Tom"], "Joseph": ["Joe"], "Daniel": ["Dan"],
    "Christopher": ["Chris"], "Anthony": ["Tony"], "Elizabeth": ["Liz", "Beth"],
    "Jennifer": ["Jen"], "Matthew": ["Matt"], "Steven": ["Steve"], "Andrew": ["Andy"],
    "Johannes": ["Hans", "Jan"], "Hendrik": ["Henk"], "Willem": ["Wim"], "Pieter": ["Piet"],
    "Aleksandr": ["Sasha"], "Dmitry": ["Dima"], "Sergey": ["Seryozha"], "Mikhail": ["Misha"],
    "Yevgeny": ["Zhenya"], "Nikolay": ["Kolya"],
}
ANGLO_MALE = [
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul",
    "Andrew", "Joshua", "Kevin", "Brian", "Ryan", "Jason", "Gary", "Eric", "Scott",
]
ANGLO_FEMALE = [
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Nancy", "Lisa", "Emily", "Michelle", "Amanda", "Melissa", "Ashley",
]
ANGLO_SURNAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill",
    "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips",
    "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Reed", "Bailey", "Cooper", "Howard", "Ward", "Brooks", "Kelly", "Sanders",
]
DUTCH_MALE = [
    "Jan", "Pieter", "Kees", "Johannes", "Willem", "Hendrik", "Dirk", "Bram", "Sander",
    "Thijs", "Daan", "Ruben", "Lars", "Joost", "Maarten", "Sjoerd", "Wouter",
]
DUTCH_FEMALE = ["Sanne", "Anouk", "Femke", "Eva", "Lotte", "Marieke", "Inge", "Maaike", "Ilse"]
DUTCH_SURNAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "van der Meer", "Kok", "Verhoeven", "Willems",
]
ALBANIAN_MALE = ["Arben", "Besnik", "Dritan", "Ermal", "Fatmir", "Gëzim", "Ilir", "Klodian",
                 "Artan", "Erion", "Lulzim", "Shkëlqim"]
ALBANIAN_SURNAMES = ["Hoxha", "Krasniqi", "Berisha", "Gashi", "Shehu", "Dervishi", "Leka",
                     "Çela", "Kola", "Muça", "Bërdufi", "Rama"]

Romanised = tuple[str, tuple[str, ...]]

SLAVIC_MALE: list[Romanised] = [
    ("Дмитрий", ("Dmitry", "Dmitrij", "Dimitri", "Dmitri")),
    ("Сергей", ("Sergey", "Sergej", "Serguei", "Sergei")),
    ("Алексей", ("Aleksey", "Aleksej", "Alexei", "Alexej")),
    ("Николай", ("Nikolay", "Nikolaj", "Nicolai", "Nikolai")),
    ("Андрей", ("Andrey", "Andrej", "Andrei", "Andrej")),
    ("Владимир", ("Vladimir", "Vladimir", "Vladímir", "Wladimir")),
    ("Игорь", ("Igor", "Igor'", "Ígor", "Igor")),
    ("Юрий", ("Yuriy", "Jurij", "Yuri", "Juri")),
    ("Евгений", ("Yevgeniy", "Evgenij", "Evgueni", "Jewgeni")),
    ("Михаил", ("Mikhail", "Mihail", "Mijaíl", "Michail")),
    ("Олег", ("Oleg", "Oleg", "Óleg", "Oleg")),
    ("Александр", ("Aleksandr", "Aleksandr", "Alexandr", "Alexander")),
]
SLAVIC_SURNAMES: list[Romanised] = [
    ("Волков", ("Volkov", "Volkov", "Volkoff", "Wolkow")),
    ("Смирнов", ("Smirnov", "Smirnov", "Smirnoff", "Smirnow")),
    ("Кузнецов", ("Kuznetsov", "Kuznecov", "Kuznetzov", "Kusnezow")),
    ("Попов", ("Popov", "Popov", "Popoff", "Popow")),
    ("Соколов", ("Sokolov", "Sokolov", "Sokoloff", "Sokolow")),
    ("Лебедев", ("Lebedev", "Lebedev", "Lebedeff", "Lebedew")),
    ("Козлов", ("Kozlov", "Kozlov", "Koslov", "Koslow")),
    ("Новиков", ("Novikov", "Novikov", "Novikoff", "Nowikow")),
    ("Морозов", ("Morozov", "Morozov", "Morosov", "Morosow")),
    ("Орлов", ("Orlov", "Orlov", "Orloff", "Orlow")),
    ("Зайцев", ("Zaytsev", "Zajcev", "Zaitsev", "Saizew")),
    ("Јовановић", ("Jovanovic", "Jovanović", "Yovanovich", "Jovanowitsch")),
    ("Петровић", ("Petrovic", "Petrović", "Petrovich", "Petrowitsch")),
    ("Николић", ("Nikolic", "Nikolić", "Nikolich", "Nikolitsch")),
]
CHINESE_SURNAMES: list[Romanised] = [
    ("王", ("Wang", "Wong", "Ong")), ("李", ("Li", "Lee", "Lei")),
    ("张", ("Zhang", "Cheung", "Chang")), ("刘", ("Liu", "Lau", "Lao")),
    ("陈", ("Chen", "Chan", "Tan")), ("杨", ("Yang", "Yeung", "Young")),
    ("黄", ("Huang", "Wong", "Hwang")), ("赵", ("Zhao", "Chiu", "Chao")),
    ("周", ("Zhou", "Chow", "Chou")), ("吴", ("Wu", "Ng", "Woo")),
]
CHINESE_GIVEN: list[Romanised] = [
    ("伟", ("Wei", "Wai", "Way")), ("强", ("Qiang", "Keung", "Chiang")),
    ("磊", ("Lei", "Lui", "Louie")), ("军", ("Jun", "Kwan", "Chun")),
    ("勇", ("Yong", "Yung", "Yung")), ("杰", ("Jie", "Kit", "Chieh")),
    ("明", ("Ming", "Ming", "Meng")), ("华", ("Hua", "Wah", "Hwa")),
    ("建国", ("Jianguo", "Kin-kwok", "Chien-kuo")), ("志明", ("Zhiming", "Chi-ming", "Chih-ming")),
    ("国华", ("Guohua", "Kwok-wah", "Kuo-hua")), ("海涛", ("Haitao", "Hoi-tou", "Hai-tao")),
]
ARABIC_MALE: list[Romanised] = [
    ("محمد", ("Mohammed", "Muhammad", "Mohamed", "Mohamad")),
    ("أحمد", ("Ahmed", "Ahmad", "Ahmed", "Achmed")),
    ("علي", ("Ali", "Ali", "Alí", "Ali")),
    ("حسن", ("Hassan", "Hasan", "Hassan", "Hasan")),
    ("حسين", ("Hussein", "Husayn", "Hussain", "Hussein")),
    ("خالد", ("Khaled", "Khalid", "Jaled", "Chalid")),
    ("يوسف", ("Youssef", "Yusuf", "Yusef", "Jussuf")),
    ("عمر", ("Omar", "Umar", "Omar", "Omar")),
    ("كريم", ("Karim", "Karim", "Kareem", "Karim")),
    ("سمير", ("Samir", "Samir", "Sameer", "Samir")),
]
ARABIC_SURNAMES: list[Romanised] = [
    ("الحسيني", ("Al-Husseini", "al-Husayni", "El Husseini", "Alhusseini")),
    ("حداد", ("Haddad", "Haddad", "Hadad", "Haddad")),
    ("خوري", ("Khoury", "Khuri", "Jury", "Churi")),
    ("العلمي", ("El Alami", "al-Alami", "Alami", "El-Alami")),
    ("الإدريسي", ("El Idrissi", "al-Idrisi", "Idrissi", "El-Idrissi")),
    ("صالح", ("Saleh", "Salih", "Saleh", "Salech")),
    ("فارس", ("Fares", "Faris", "Fares", "Faris")),
    ("عيسى", ("Issa", "Isa", "Eissa", "Issa")),
    ("شمس", ("Shams", "Shams", "Chams", "Schams")),
    ("بنعلي", ("Benali", "Bin Ali", "Ben Ali", "Benali")),
]
# Criminal nicknames (weakAlias) by language.
ALIASES_ES = [
    "El Flaco", "El Gordo", "La Tía", "El Ingeniero", "El Médico", "El Contador", "Don Pacho",
    "El Mono", "El Paisa", "El Costeño", "El Gato", "El Tigre", "Caballo", "El Profe",
    "La Güera", "El Negro", "El Chamo", "El Viejo", "Cuñado", "El Patrón", "La Señora",
    "El Capi", "El Marinero", "El Abogado", "Pelusa", "Chatarra", "El Mudo", "Compadre",
]
ALIASES_EN = ["Big Mike", "Tiny", "Ghost", "Smiley", "Doc", "Lefty", "Shorty", "Cuz", "Boss",
              "Slim", "Flaco", "Chino"]
ALIASES_NL = ["De Kaaskop", "Snelle", "De Dikke", "Turbo", "Tante", "De Dokter", "Kleine",
              "De Boer", "Spook", "Mocro"]
ALIASES_BY_LANGUAGE = {"es": ALIASES_ES, "en": ALIASES_EN, "nl": ALIASES_NL}
ALIASES_FOREIGN = {"slavic": "El Ruso", "chinese": "El Chino", "arabic": "El Turco",
                   "albanian": "El Albanés", "anglo": "El Gringo", "dutch": "El Holandés"}

ORG_PREFIXES = ["Los Halcones", "Los Caimanes", "Los Alcatraces", "Los Pelícanos", "La Hermandad",
                "El Consorcio", "Los Primos", "La Red", "Los Arrieros", "Los Navegantes",
                "Los Jaguares", "La Cofradía"]
ORG_SUFFIXES = ["del Pacífico", "de la Sierra", "del Litoral", "del Valle", "de Occidente",
                "del Norte", "de la Costa", "del Estrecho", "de la Bahía", "del Sur"]
FOREIGN_ORG_NAMES = {"chinese": ["Red Jade", "Dragón de Jade", "Grupo Loto"],
                     "slavic": ["Grupo Zvezda", "Grupo Volga", "Clan Balkán"],
                     "arabic": ["Red del Cedro", "Grupo Atlas"],
                     "albanian": ["Clan Shqiponja", "Grupo Kuçi"]}

COMPANY_WORDS_ES = {
    "produce": ["Frutas", "Bananos", "Flores", "Café", "Cacao", "Aguacates", "Piñas"],
    "seafood": ["Pesquera", "Camarones", "Mariscos", "Atunera"],
    "logistics": ["Logística", "Transportes", "Carga", "Agencia Aduanera", "Naviera"],
    "trade": ["Comercializadora", "Importadora", "Exportadora", "Distribuidora", "Inversiones"],
    "industry": ["Metales", "Maderas", "Plásticos", "Cerámicas", "Repuestos"],
    "services": ["Inmobiliaria", "Constructora", "Casa de Cambio", "Autos", "Consultores"],
}
COMPANY_PLACES_ES = ["del Pacífico", "Andina", "del Caribe", "Atlántico", "Costa Azul",
                     "San Rafael", "La Esperanza", "Santa Fe", "del Sur", "Global",
                     "Internacional", "Tropical", "Sierra Nevada", "El Dorado", "Los Andes",
                     "Río Grande", "Bahía Blanca", "Monteverde", "La Palma", "Puerto Nuevo"]
COMPANY_WORDS_EN = {
    "produce": ["Fresh Produce", "Tropical Fruit", "Coffee Importers", "Floral"],
    "seafood": ["Seafood", "Ocean Harvest"], "logistics": ["Logistics", "Freight", "Shipping"],
    "trade": ["Trading", "Imports", "Distribution", "Holdings"],
    "industry": ["Metals", "Lumber", "Plastics", "Auto Parts"],
    "services": ["Realty", "Construction", "Money Services", "Motors", "Consulting"],
}
COMPANY_PLACES_EN = ["Gulf Coast", "Blue Harbor", "Sunrise", "Pacific Rim", "Lone Star",
                     "Bayside", "Atlantic", "Keystone", "Evergreen", "Harborview", "Summit"]
COMPANY_WORDS_NL = {
    "produce": ["Fruithandel", "Bloemen", "Koffie"], "seafood": ["Visgroothandel"],
    "logistics": ["Logistiek", "Transport", "Expeditie"], "trade": ["Handelsonderneming",
                                                                     "Import", "Holding"],
    "industry": ["Metaal", "Hout"], "services": ["Vastgoed", "Bouw", "Autohandel"],
}
COMPANY_PLACES_NL = ["Rotterdam", "Maasvlakte", "Zeeland", "Delta", "Westland", "Noordzee",
                     "Haven", "Oranje", "Kempen"]
SHIP_WORDS = ["Esperanza", "Estrella del Mar", "Don Lucho", "Santa María", "Virgen del Carmen",
              "Marlin", "Albatros", "Gaviota", "Neptuno", "Poseidón", "Caribe", "Pacífico",
              "Sirena", "Delfín", "Tiburón", "Aurora", "Fortuna", "Libertad", "Bonanza",
              "Ocean Pride", "Sea Breeze", "Atlantic Star", "Northern Light", "Blue Marlin",
              "Golden Wave", "Silver Spray", "Morning Glory", "Cape Horn", "Nordic Spirit"]
STREETS = {"es": ["Calle", "Carrera", "Avenida", "Transversal", "Diagonal"],
           "en": ["Main St", "Ocean Dr", "Harbor Blvd", "Elm St", "Bay Rd", "Palm Ave"],
           "nl": ["Havenstraat", "Kade", "Dorpsstraat", "Parallelweg"]}
