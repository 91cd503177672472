"""The executable schema: SDL from schema.graphql, resolvers and the DateTimeTz scalar bound to it."""

from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

from . import scalars
from .resolvers import RESOLVERS, TYPE_RESOLVERS

SDL_PATH = Path(__file__).with_name("schema.graphql")


@cache
def get_schema() -> GraphQLSchema:
    schema = build_schema(SDL_PATH.read_text())
    date_time = schema.type_map["DateTimeTz"]
    date_time.serialize = scalars.serialize
    date_time.parse_value = scalars.parse_value
    date_time.parse_literal = scalars.parse_literal
    for type_name, fields in RESOLVERS.items():
        graphql_type = schema.type_map[type_name]
        for field_name, resolver in fields.items():
            graphql_type.fields[field_name].resolve = resolver
    for type_name, resolver in TYPE_RESOLVERS.items():
        schema.type_map[type_name].resolve_type = resolver
    return schema
