"""Entity resolution across agencies, languages and scripts.

Mentions (one per entity of a resolved schema) are matched within their family
(``features``, ``names``), made candidates by blocking keys that survive
transliteration, word order and identifier formats (``blocking``), scored by a
Fellegi–Sunter model trained with Splink on DuckDB (``comparisons``,
``splink_model``, ``scoring``; one family's run: ``pipeline``), linked with the
evidence for each link (``evidence``) and clustered into canonical entities with
analysts' judgements applied (``judgements``, ``cluster``). ``incremental.Resolver``
keeps a repository (``repository``; the store's is
``accord.adapters.store.resolution_repo``) in line with the mentions, doing only
the work a change needs. ``evaluation`` scores clusters against planted truth.
See docs/resolution.md.
"""
