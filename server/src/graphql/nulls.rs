//! Field errors as the GraphQL spec handles them ("Handling Execution Errors"): the failed field is
//! null, and when its type is non-null the null moves to the nearest nullable parent (or makes
//! `data` null).
//!
//! async-graphql 7.2 instead leaves a failed field out of its parent object: anonymous
//! `{ departments { code consultations { totalCount } } }` answered objects without their
//! `consultations` key, which breaks typed clients. Rather than pay a resolver hook on every field, a
//! response that has errors is put right afterwards: each error's path is followed through the
//! document (aliases to field names, fragments included) and the schema (each position's type), and
//! null is written where the spec puts it. Responses without errors are not touched.

use std::collections::HashMap;
use std::sync::OnceLock;

use async_graphql::parser::types::{BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{Name, PathSegment, Value};

/// The declared type of every field of every object type, by type and field name.
struct FieldTypes {
    roots: [Option<String>; 3],
    fields: HashMap<String, HashMap<String, Type>>,
}

fn field_types() -> &'static FieldTypes {
    static TYPES: OnceLock<FieldTypes> = OnceLock::new();
    TYPES.get_or_init(|| {
        let mut fields: HashMap<String, HashMap<String, Type>> = HashMap::new();
        if let Ok(document) = async_graphql::parser::parse_schema(super::sdl()) {
            for definition in document.definitions {
                if let TypeSystemDefinition::Type(ty) = definition {
                    if let TypeKind::Object(object) = &ty.node.kind {
                        let by_name = object.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone())).collect();
                        fields.insert(ty.node.name.node.to_string(), by_name);
                    }
                }
            }
        }
        let root = |name: &str| fields.contains_key(name).then(|| name.to_owned());
        FieldTypes { roots: [root("Query"), root("Mutation"), root("Subscription")], fields }
    })
}

/// The selections of `set` answering to `key`, fragments followed (the schema has no interfaces or
/// unions, so a fragment's type condition is always its parent's type).
fn field_named<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, key: &str, depth: usize) -> Option<(&'a str, &'a SelectionSet)> {
    if depth > 32 {
        return None;
    }
    set.items.iter().find_map(|selection| match &selection.node {
        Selection::Field(field) => {
            let field = &field.node;
            (field.response_key().node.as_str() == key).then(|| (field.name.node.as_str(), &field.selection_set.node))
        }
        Selection::InlineFragment(fragment) => field_named(document, &fragment.node.selection_set.node, key, depth + 1),
        Selection::FragmentSpread(spread) => {
            let fragment = document.fragments.get(&spread.node.fragment_name.node)?;
            field_named(document, &fragment.node.selection_set.node, key, depth + 1)
        }
    })
}

/// Whether each response position along `path` may be null, from the first to the last; None when
/// the path cannot be followed (an introspection field, say), and nothing is then changed.
fn nullability(document: &ExecutableDocument, operation_name: Option<&str>, path: &[PathSegment]) -> Option<Vec<bool>> {
    let types = field_types();
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        _ => return None,
    };
    let root = match operation.node.ty {
        OperationType::Query => &types.roots[0],
        OperationType::Mutation => &types.roots[1],
        OperationType::Subscription => &types.roots[2],
    };
    let mut parent = root.clone()?;
    let mut set = &operation.node.selection_set.node;
    let mut current: Option<Type> = None;
    let mut out = Vec::with_capacity(path.len());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let (name, selections) = field_named(document, set, key, 0)?;
                let ty = types.fields.get(&parent)?.get(name)?.clone();
                set = selections;
                out.push(ty.nullable);
                current = Some(ty);
            }
            PathSegment::Index(_) => {
                let item = match current.take()?.base {
                    BaseType::List(item) => *item,
                    BaseType::Named(_) => return None,
                };
                out.push(item.nullable);
                current = Some(item);
            }
        }
        if let Some(Type { base: BaseType::Named(name), .. }) = &current {
            parent = name.to_string();
        }
    }
    Some(out)
}

/// The value at `path` under `data`, if every step exists.
fn position<'a>(data: &'a mut Value, path: &[PathSegment]) -> Option<&'a mut Value> {
    let mut here = data;
    for segment in path {
        here = match (here, segment) {
            (Value::Object(map), PathSegment::Field(key)) => map.get_mut(key.as_str())?,
            (Value::List(items), PathSegment::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(here)
}

/// Writes null at the failed position or, when it may not be null, at its nearest nullable parent.
fn null_out(data: &mut Value, path: &[PathSegment], nullable: &[bool]) {
    let Some(at) = (0..path.len()).rev().find(|&i| nullable[i]) else {
        *data = Value::Null;
        return;
    };
    let (parent_path, last) = path.split_at(at);
    let Some(parent) = position(data, parent_path) else { return };
    match (parent, &last[0]) {
        (Value::Object(map), PathSegment::Field(key)) => {
            map.insert(Name::new(key), Value::Null);
        }
        (Value::List(items), PathSegment::Index(i)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = Value::Null;
            }
        }
        // A parent already made null by another error.
        _ => {}
    }
}

/// Puts `response` right (see the module's doc); a no-op without errors.
pub fn propagate(response: &mut async_graphql::Response, document: &ExecutableDocument, operation_name: Option<&str>) {
    if response.errors.is_empty() || response.data == Value::Null {
        return;
    }
    let paths: Vec<Vec<PathSegment>> = response.errors.iter().map(|e| e.path.clone()).filter(|p| !p.is_empty()).collect();
    for path in paths {
        if let Some(nullable) = nullability(document, operation_name, &path) {
            null_out(&mut response.data, &path, &nullable);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> Vec<PathSegment> {
        segments.iter().map(|s| s.parse::<usize>().map_or_else(|_| PathSegment::Field((*s).to_owned()), PathSegment::Index)).collect()
    }

    #[test]
    fn positions_follow_aliases_fragments_and_list_items() {
        let document = async_graphql::parser::parse_query("{ ds: departments { ...D } } fragment D on Department { code consultations { totalCount } }").unwrap();
        // departments: [Department!]!, an item: Department!, consultations: ConsultationConnection (nullable).
        assert_eq!(nullability(&document, None, &path(&["ds", "0", "consultations"])), Some(vec![false, false, true]));
        assert_eq!(nullability(&document, None, &path(&["ds", "0", "nothing"])), None);
    }

    #[test]
    fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
        let mut data = Value::from_json(serde_json::json!({ "consultation": { "title": "t" } })).unwrap();
        null_out(&mut data, &path(&["consultation", "comments"]), &[true, false]);
        assert_eq!(data.into_json().unwrap(), serde_json::json!({ "consultation": null }));
        let mut data = Value::from_json(serde_json::json!({ "departments": [{ "code": "A" }] })).unwrap();
        null_out(&mut data, &path(&["departments", "0", "consultations"]), &[false, false, true]);
        assert_eq!(data.clone().into_json().unwrap(), serde_json::json!({ "departments": [{ "code": "A", "consultations": null }] }));
        null_out(&mut data, &path(&["departments", "0", "code"]), &[false, false, false]);
        assert_eq!(data, Value::Null, "no nullable position: data itself is null");
    }
}
