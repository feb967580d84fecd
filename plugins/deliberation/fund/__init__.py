"""The residential maintenance fund (住宅专项维修资金, Civil Code Art. 281): accounts per
compound or building with an append-only ledger (``models``, ``ledger``), uses authorised by
an owners' vote or, in an emergency, recorded and announced afterwards (``uses``), who may do
what (``access``) and the GraphQL schema (``graphql``)."""
