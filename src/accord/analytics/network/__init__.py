"""Network analysis: key players, brokers, cells, disruption, paths, value of sharing.

Pure functions over a :class:`~accord.analytics.network.graph.Network`, built from
a plain list of :class:`~accord.analytics.network.graph.Edge` (who is tied to
whom, by what kind of link, when, on which statements, seen by which nations).
Nothing here reads a store: the caller (a service) turns canonical entities and
their statements into edges (see :mod:`accord.analytics.network.statements`).

Modules: ``graph`` (the network and its provenance), ``centrality`` (key
players), ``brokers``, ``communities`` (cells), ``disrupt`` (KPP-Neg and the
effect of arrests), ``paths``, ``export`` (GraphML, GEXF), ``sharing`` (value of
sharing), ``planted`` (a small world with known structure, for evaluation).
"""
