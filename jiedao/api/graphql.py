"""GraphQL beyond the everyday: more loaders and list helpers, the runner without its decorator, ID codecs, public fields, types and lists declared in SQL (answered by one statement)."""

from __future__ import annotations

from jiedao.core.notify.graphql import NotificationType, notifications_about
from jiedao.core.organisations.graphql import OrganisationType
from jiedao.core.runner import run_mutation
from jiedao.core.work.graphql import WorkItem as WorkItemType
from jiedao.schema.child_connection import children_connection_field
from jiedao.schema.compiled_reads import SqlLink, SqlList, SqlObject, SqlRoot, SqlType, sql_root, sql_type
from jiedao.schema.connection import connection_field, where_given
from jiedao.schema.cost import list_bound
from jiedao.schema.enum_docs import describe_enum_values
from jiedao.schema.errors import ClientError
from jiedao.schema.ids import decode_global_id, decode_id_of, encode_global_id
from jiedao.schema.loaders import children_field, column_by_id, linked, loaded_field, through
from jiedao.schema.node import caller_resolver, computed_node_type, enum_field, global_id_field, model_for, plain_resolver, readable
from jiedao.schema.plain_rows import MISSING, columns_of, plain_row, preload, preloadable, preloaded
from jiedao.schema.permissions import allow_any, IsAuthenticated
from jiedao.schema.references import preload_list_references, preload_page_references, register_type_lookahead
from jiedao.schema.selection import selected_fields, selected_path

from jiedao.core.runner import LOGGED_IN

__all__ = [
    "LOGGED_IN",
    "MISSING",
    "allow_any",
    "caller_resolver",
    "children_connection_field",
    "children_field",
    "connection_field",
    "ClientError",
    "columns_of",
    "computed_node_type",
    "decode_global_id",
    "decode_id_of",
    "describe_enum_values",
    "encode_global_id",
    "enum_field",
    "global_id_field",
    "IsAuthenticated",
    "linked",
    "list_bound",
    "loaded_field",
    "column_by_id",
    "model_for",
    "NotificationType",
    "notifications_about",
    "OrganisationType",
    "plain_resolver",
    "plain_row",
    "preload",
    "preload_list_references",
    "preload_page_references",
    "preloadable",
    "preloaded",
    "readable",
    "register_type_lookahead",
    "run_mutation",
    "selected_fields",
    "selected_path",
    "SqlLink",
    "SqlList",
    "SqlObject",
    "SqlRoot",
    "SqlType",
    "sql_root",
    "sql_type",
    "through",
    "where_given",
    "WorkItemType",
]
