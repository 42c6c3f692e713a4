//! Pages shared across signed-in readers (issue 16): a query whose answer is the same for every
//! reader of one *scope* (citizens; the admins; the staff of one department) but for a few fields
//! about the reader is computed once per scope, kept in the response cache as a template, and filled
//! in for each reader with one small query.
//!
//! The rules that keep it exact:
//! - Only queries whose every field is in `ALLOWED` (by type and field, for the scope) are shared. Each
//!   of those fields depends on the reader only through the scope, except the ones below.
//! - The template is computed for a stand-in of the scope that is nobody: anonymous for citizens (a
//!   citizen sees what the public sees in these fields), and a copy of the reader's account with a nil
//!   id and no personal data for staff and admins. So a template never holds anyone's own data.
//! - `Comment.viewerHasEndorsed` is left as a slot naming its comment; each reader's answer fills the
//!   slots from one statement over their endorsements.
//! - Fields that would show more to a comment's own author (`author`'s personal data, `moderationReason`
//!   where the reader does not moderate) record that author; a reader who is one of them gets their
//!   page computed for them alone.
//! - A computation that ends in any error is not shared: errors may differ by reader.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Context, Name, Value};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::domain::Role;
use crate::services::authz::Viewer;
use crate::sql;

/// Who shares a template: every reader of a scope gets the same answer from the allowed fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Citizens,
    Admins,
    Staff(Uuid),
}

impl Scope {
    /// The scope of a signed-in reader, if their pages may be shared (evaluators read other things).
    pub fn of(viewer: &Viewer) -> Option<Scope> {
        let user = viewer.user.as_ref()?;
        match user.role {
            Role::Citizen => Some(Scope::Citizens),
            Role::Admin => Some(Scope::Admins),
            Role::Staff => user.department_id.map(Scope::Staff),
            Role::Evaluator => None,
        }
    }

    /// Mixed into the cache key, so that no scope (nor the anonymous cache) reads another's entries.
    pub fn key(&self) -> String {
        match self {
            Scope::Citizens => "shared|citizens".to_owned(),
            Scope::Admins => "shared|admins".to_owned(),
            Scope::Staff(department) => format!("shared|staff|{department}"),
        }
    }

    fn moderates_somewhere(&self) -> bool {
        !matches!(self, Scope::Citizens)
    }

    /// The reader the template is computed for: nobody in particular, with the scope's rights.
    pub fn stand_in(&self, viewer: &Viewer) -> Viewer {
        match (self, viewer.user.as_ref()) {
            (Scope::Citizens, _) | (_, None) => Viewer::anonymous(viewer.client_key.clone()),
            (_, Some(user)) => {
                let mut nobody = user.clone();
                nobody.id = Uuid::nil();
                nobody.email = String::new();
                nobody.phone = None;
                nobody.display_name = String::new();
                nobody.password_hash = String::new();
                Viewer { user: Some(nobody), token_hash: None, client_key: viewer.client_key.clone() }
            }
        }
    }
}

/// The fields a shared query may select, as (type, field). Each one's value depends on the reader
/// only through the scope (or is one of the recorded exceptions, see the module's comment).
const ALLOWED: &[(&str, &str)] = &[
    ("Query", "consultation"),
    ("Query", "consultations"),
    ("ConsultationConnection", "totalCount"),
    ("ConsultationConnection", "pageInfo"),
    ("ConsultationConnection", "edges"),
    ("ConsultationEdge", "cursor"),
    ("ConsultationEdge", "node"),
    ("Consultation", "id"),
    ("Consultation", "title"),
    ("Consultation", "summary"),
    ("Consultation", "body"),
    ("Consultation", "interpretation"),
    ("Consultation", "status"),
    ("Consultation", "category"),
    ("Consultation", "moderation"),
    ("Consultation", "opensAt"),
    ("Consultation", "closesAt"),
    ("Consultation", "shortPeriodReason"),
    ("Consultation", "publishedAt"),
    ("Consultation", "commentCount"),
    ("Consultation", "stanceCounts"),
    ("Consultation", "leadDepartment"),
    ("Consultation", "cooperatingDepartments"),
    ("Consultation", "sections"),
    ("Consultation", "outcome"),
    ("Consultation", "comments"),
    ("StanceCounts", "support"),
    ("StanceCounts", "oppose"),
    ("StanceCounts", "neutral"),
    ("Outcome", "summary"),
    ("Outcome", "publishedAt"),
    ("Outcome", "totalComments"),
    ("Outcome", "repliedComments"),
    ("Outcome", "adoptedCount"),
    ("Outcome", "partiallyAdoptedCount"),
    ("Outcome", "notAdoptedCount"),
    ("Outcome", "explainedCount"),
    ("Department", "id"),
    ("Department", "code"),
    ("Department", "name"),
    ("Section", "id"),
    ("Section", "ordinal"),
    ("Section", "heading"),
    ("Section", "body"),
    ("Section", "commentCount"),
    ("ConsultationCommentConnection", "totalCount"),
    ("ConsultationCommentConnection", "pageInfo"),
    ("ConsultationCommentConnection", "edges"),
    ("ConsultationCommentEdge", "cursor"),
    ("ConsultationCommentEdge", "node"),
    ("PageInfo", "hasNextPage"),
    ("PageInfo", "endCursor"),
    ("Comment", "id"),
    ("Comment", "body"),
    ("Comment", "stance"),
    ("Comment", "status"),
    ("Comment", "createdAt"),
    ("Comment", "updatedAt"),
    ("Comment", "endorsementCount"),
    ("Comment", "viewerHasEndorsed"),
    ("Comment", "adoption"),
    ("Comment", "author"),
    ("Comment", "section"),
    ("Comment", "replies"),
    ("Comment", "duplicateCount"),
    ("Reply", "id"),
    ("Reply", "body"),
    ("Reply", "adoption"),
    ("Reply", "createdAt"),
    ("Reply", "department"),
    ("User", "id"),
    ("User", "displayName"),
];

/// What moderators' scopes may select besides: the moderation view.
const ALLOWED_TO_MODERATORS: &[(&str, &str)] = &[
    ("Comment", "reportCount"),
    ("Comment", "reports"),
    ("Comment", "moderationReason"),
    ("Comment", "duplicateGroupId"),
    ("Report", "reason"),
    ("Report", "detail"),
    ("Report", "createdAt"),
    ("User", "email"),
    ("User", "phone"),
];

/// Each (type, field) of the schema with the named type it returns.
fn field_types() -> &'static HashMap<(String, String), String> {
    static TYPES: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    TYPES.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let mut out = HashMap::new();
        let Ok(document) = async_graphql::parser::parse_schema(crate::graphql::sdl()) else { return out };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let TypeKind::Object(object) = &ty.node.kind else { continue };
            for field in &object.fields {
                let mut returned = &field.node.ty.node;
                let name = loop {
                    match &returned.base {
                        async_graphql::parser::types::BaseType::Named(name) => break name.to_string(),
                        async_graphql::parser::types::BaseType::List(inner) => returned = inner,
                    }
                };
                out.insert((ty.node.name.node.to_string(), field.node.name.node.to_string()), name);
            }
        }
        out
    })
}

/// Whether the operation the request runs is a query whose every field the scope may share.
pub fn eligible(document: &ExecutableDocument, operation_name: Option<&str>, scope: &Scope) -> bool {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        // A named operation sent without `operationName` runs when it is the only one.
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    if operation.node.ty != OperationType::Query {
        return false;
    }
    let mut visiting = Vec::new();
    selections_allowed(document, &operation.node.selection_set.node, "Query", scope, &mut visiting)
}

fn selections_allowed(document: &ExecutableDocument, set: &SelectionSet, parent: &str, scope: &Scope, visiting: &mut Vec<Name>) -> bool {
    let types = field_types();
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let name = field.node.name.node.as_str();
            if name == "__typename" {
                return true;
            }
            let pair = (parent, name);
            let allowed = ALLOWED.contains(&pair) || (scope.moderates_somewhere() && ALLOWED_TO_MODERATORS.contains(&pair));
            if !allowed {
                return false;
            }
            match types.get(&(parent.to_owned(), name.to_owned())) {
                Some(returned) => selections_allowed(document, &field.node.selection_set.node, returned, scope, visiting),
                None => false,
            }
        }
        Selection::FragmentSpread(spread) => {
            let name = &spread.node.fragment_name.node;
            let Some(fragment) = document.fragments.get(name) else { return false };
            // Every shared type is an object type: a fragment on any other type is not shared.
            if fragment.node.type_condition.node.on.node.as_str() != parent || visiting.contains(name) {
                return false;
            }
            visiting.push(name.clone());
            let allowed = selections_allowed(document, &fragment.node.selection_set.node, parent, scope, visiting);
            visiting.pop();
            allowed
        }
        Selection::InlineFragment(inline) => {
            let on = inline.node.type_condition.as_ref().map(|t| t.node.on.node.as_str()).unwrap_or(parent);
            on == parent && selections_allowed(document, &inline.node.selection_set.node, parent, scope, visiting)
        }
    })
}

/// One step of a path into the response.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What a shared computation records, in the GraphQL context of the stand-in's execution.
#[derive(Default)]
pub struct Recording {
    slots: Mutex<Vec<(Vec<Step>, Uuid)>>,
    authors: Mutex<HashSet<Uuid>>,
}

impl Recording {
    /// The recording of the computation `ctx` belongs to, if it is a shared one.
    pub fn of<'a>(ctx: &'a Context<'_>) -> Option<&'a Recording> {
        ctx.data_opt::<std::sync::Arc<Recording>>().map(|r| r.as_ref())
    }

    /// The field being resolved is the reader's own endorsement of `comment`: a slot.
    pub fn slot(&self, ctx: &Context<'_>, comment: Uuid) {
        let mut steps = Vec::new();
        let mut node = ctx.path_node.as_ref();
        while let Some(current) = node {
            steps.push(match current.segment {
                async_graphql::QueryPathSegment::Name(name) => Step::Key(name.to_owned()),
                async_graphql::QueryPathSegment::Index(index) => Step::Index(index),
            });
            node = current.parent;
        }
        steps.reverse();
        if let Ok(mut slots) = self.slots.lock() {
            slots.push((steps, comment));
        }
    }

    /// The field being resolved would show more to `author` than to the stand-in.
    pub fn author(&self, author: Uuid) {
        if let Ok(mut authors) = self.authors.lock() {
            authors.insert(author);
        }
    }

    /// The template of a computed response: its slots marked in the JSON, its authors in front.
    pub fn template(&self, response: &async_graphql::Response, marker: &str) -> Option<Template> {
        let mut data = response.data.clone();
        let slots = self.slots.lock().ok()?;
        for (steps, comment) in slots.iter() {
            let value = locate(&mut data, steps)?;
            if !matches!(value, Value::Boolean(false)) {
                return None;
            }
            *value = Value::String(format!("{marker}{comment}"));
        }
        let mut shape = async_graphql::Response::new(data);
        shape.extensions = response.extensions.clone();
        let json = serde_json::to_vec(&shape).ok()?;
        let slots = slot_positions(&json, marker)?;
        let authors = self.authors.lock().ok()?.iter().copied().collect();
        Some(Template { authors, slots, json })
    }
}

/// Where each marked slot stands in the JSON: the byte range of its string token, and its comment.
fn slot_positions(json: &[u8], marker: &str) -> Option<Vec<(usize, usize, Uuid)>> {
    // The marker as serde_json writes it: a string token starting with an escaped NUL.
    let needle = format!("\"\\u0000{}", marker.get(1..)?);
    let needle = needle.as_bytes();
    let mut slots = Vec::new();
    let mut from = 0;
    while let Some(at) = json.get(from..)?.windows(needle.len()).position(|w| w == needle) {
        let start = from + at;
        let id_start = start + needle.len();
        let id = Uuid::parse_str(std::str::from_utf8(json.get(id_start..id_start + 36)?).ok()?).ok()?;
        if json.get(id_start + 36) != Some(&b'"') {
            return None;
        }
        slots.push((start, id_start + 37, id));
        from = id_start + 37;
    }
    Some(slots)
}

fn locate<'a>(value: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    let mut current = value;
    for step in steps {
        current = match (current, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key.as_str())?,
            (Value::List(items), Step::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// A shared answer: the JSON with a marker string token where each slot goes (its byte range and
/// comment in `slots`), and the authors whose own reading differs.
pub struct Template {
    pub authors: Vec<Uuid>,
    pub slots: Vec<(usize, usize, Uuid)>,
    pub json: Vec<u8>,
}

/// How a template travels through the response cache: the authors (a count, then 16 bytes each), the
/// slots (a count, then start, end and comment id each), then the JSON.
impl Template {
    pub fn encode(&self) -> bytes::Bytes {
        let mut out = Vec::with_capacity(8 + 16 * self.authors.len() + 24 * self.slots.len() + self.json.len());
        out.extend_from_slice(&u32::try_from(self.authors.len()).unwrap_or(u32::MAX).to_le_bytes());
        for author in &self.authors {
            out.extend_from_slice(author.as_bytes());
        }
        out.extend_from_slice(&u32::try_from(self.slots.len()).unwrap_or(u32::MAX).to_le_bytes());
        for (start, end, id) in &self.slots {
            out.extend_from_slice(&u32::try_from(*start).unwrap_or(u32::MAX).to_le_bytes());
            out.extend_from_slice(&u32::try_from(*end).unwrap_or(u32::MAX).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out.extend_from_slice(&self.json);
        out.into()
    }

    fn decode(bytes: &[u8]) -> Option<Template> {
        let word = |at: usize| -> Option<usize> { Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize) };
        let count = word(0)?;
        let mut at = 4;
        let mut authors = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            authors.push(Uuid::from_slice(bytes.get(at..at + 16)?).ok()?);
            at += 16;
        }
        let count = word(at)?;
        at += 4;
        let mut slots = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            slots.push((word(at)?, word(at + 4)?, Uuid::from_slice(bytes.get(at + 8..at + 24)?).ok()?));
            at += 24;
        }
        let json = bytes.get(at..)?.to_vec();
        // Every slot lies in the JSON, in order.
        let mut last = 0;
        for (start, end, _) in &slots {
            if *start < last || end <= start || *end > json.len() {
                return None;
            }
            last = *end;
        }
        Some(Template { authors, slots, json })
    }
}

/// The marker a slot's value is replaced with in a template: a string no content can hold, since it
/// starts with a NUL (escaped in the JSON) and a secret of this process.
pub fn marker() -> &'static str {
    static MARKER: OnceLock<String> = OnceLock::new();
    MARKER.get_or_init(|| {
        let mut secret = [0u8; 12];
        let _ = getrandom::fill(&mut secret);
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        format!("\u{0}{hex}:")
    })
}

/// A template filled in for one reader: `None` when it cannot serve them (they wrote one of the
/// comments whose reading differs for their author), and they need their own computation.
pub async fn render(db: &impl ConnectionTrait, template: &[u8], reader: Uuid) -> Result<Option<Vec<u8>>, crate::error::AppError> {
    let Some(template) = Template::decode(template) else { return Ok(None) };
    if template.authors.contains(&reader) {
        return Ok(None);
    }
    let endorsed = if template.slots.is_empty() { HashSet::new() } else { endorsed(db, reader, template.slots.iter().map(|s| s.2)).await? };
    let json = &template.json;
    let mut out = Vec::with_capacity(json.len());
    let mut copied = 0;
    for (start, end, id) in &template.slots {
        out.extend_from_slice(&json[copied..*start]);
        out.extend_from_slice(if endorsed.contains(id) { b"true" } else { b"false" });
        copied = *end;
    }
    out.extend_from_slice(&json[copied..]);
    Ok(Some(out))
}

/// Which of `comments` the reader endorsed: one statement (what `EndorsedLoader` reads for a page).
async fn endorsed(db: &impl ConnectionTrait, reader: Uuid, comments: impl Iterator<Item = Uuid>) -> Result<HashSet<Uuid>, crate::error::AppError> {
    let mut ids: Vec<Uuid> = comments.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut params = sql::Params::new();
    let user = params.bind(reader);
    let list = params.bind_all(ids);
    let rows = sql::rows(db, &format!("SELECT comment_id FROM endorsements WHERE user_id = {user} AND comment_id IN ({list})"), params.into_values()).await?;
    let mut out = HashSet::new();
    for row in rows {
        out.insert(row.try_get::<Uuid>("", "comment_id")?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("a query")
    }

    #[test]
    fn only_queries_of_allowed_fields_are_shared() {
        assert!(field_types().len() > 100, "{:?}", async_graphql::parser::parse_schema(crate::graphql::sdl()).err());
        let page = "query($id: ID!) { consultation(id: $id) { id comments(first: 20) { edges { cursor node { id body viewerHasEndorsed author { displayName } replies { department { name } } } } pageInfo { hasNextPage } } } }";
        assert!(eligible(&parse(page), None, &Scope::Citizens));
        // A citizen sharing an author's email would be wrong; a moderator's scope may.
        let email = "query($id: ID!) { consultation(id: $id) { comments { edges { node { author { email } } } } } }";
        assert!(!eligible(&parse(email), None, &Scope::Citizens));
        assert!(eligible(&parse(email), None, &Scope::Admins));
        assert!(!eligible(&parse("{ me { id } }"), None, &Scope::Citizens));
        assert!(!eligible(&parse("mutation { logout }"), None, &Scope::Admins));
        // Through fragments, named and inline, and aliases.
        let fragments = "query P { consultation(id: \"x\") { ...C } } fragment C on Consultation { t: title comments { edges { node { ... on Comment { id } } } } }";
        assert!(eligible(&parse(fragments), Some("P"), &Scope::Citizens));
        let hidden = "query P { consultation(id: \"x\") { ...C } } fragment C on Consultation { comments { edges { node { reportCount } } } }";
        assert!(!eligible(&parse(hidden), Some("P"), &Scope::Citizens));
        assert!(eligible(&parse(fragments), None, &Scope::Citizens), "the only operation runs without its name");
        // Two operations without a name to choose: not shared.
        assert!(!eligible(&parse("query A { consultations { totalCount } } query B { consultations { totalCount } }"), None, &Scope::Citizens));
    }

    #[test]
    fn every_allowed_field_is_in_the_schema() {
        // A renamed field would quietly stop every page that selects it from being shared.
        for (ty, field) in ALLOWED.iter().chain(ALLOWED_TO_MODERATORS) {
            assert!(field_types().contains_key(&((*ty).to_owned(), (*field).to_owned())), "{ty}.{field} is not in the schema");
        }
    }

    #[test]
    fn the_stand_in_of_a_scope_is_nobody() {
        let now = chrono::Utc::now();
        let user = entities::user::Model {
            id: Uuid::now_v7(),
            email: "staff@example.cn".into(),
            password_hash: "$argon2id$…".into(),
            display_name: "某员工".into(),
            phone: Some("13800138000".into()),
            role: Role::Staff,
            department_id: Some(Uuid::now_v7()),
            suspended: false,
            suspended_reason: None,
            locale: Some("en".into()),
            email_verified_at: Some(now),
            last_sign_in_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        let viewer = Viewer { user: Some(user.clone()), token_hash: Some("t".into()), client_key: "k".into() };
        let scope = Scope::of(&viewer).expect("staff share");
        assert_eq!(scope, Scope::Staff(user.department_id.expect("a department")));
        let nobody = scope.stand_in(&viewer);
        let stand_in = nobody.user.expect("an account with the scope's rights");
        assert_eq!((stand_in.id, stand_in.email.as_str(), stand_in.phone.as_deref()), (Uuid::nil(), "", None));
        assert_eq!((stand_in.role, stand_in.department_id), (Role::Staff, user.department_id));
        assert!(nobody.token_hash.is_none());
        assert!(Scope::Citizens.stand_in(&viewer).user.is_none());
    }

    #[test]
    fn a_template_finds_its_slots_and_round_trips() {
        let comment = Uuid::now_v7();
        let marker = marker();
        let mut data = async_graphql::indexmap::IndexMap::new();
        data.insert(Name::new("id"), Value::String(comment.to_string()));
        // A body that holds the marker's visible part cannot pass for a slot: the NUL and the secret.
        data.insert(Name::new("body"), Value::String(format!("\\u0000{}", &marker[1..])));
        data.insert(Name::new("v"), Value::Boolean(false));
        let recording = Recording::default();
        recording.slots.lock().expect("lock").push((vec![Step::Key("v".into())], comment));
        let author = Uuid::now_v7();
        recording.author(author);
        let response = async_graphql::Response::new(Value::Object(data));
        let template = recording.template(&response, marker).expect("a template");
        assert_eq!(template.slots.len(), 1);
        let decoded = Template::decode(&template.encode()).expect("decodes");
        assert_eq!((decoded.authors, decoded.slots.len(), decoded.json.len()), (vec![author], 1, template.json.len()));
        let (start, end, id) = decoded.slots[0];
        assert_eq!(id, comment);
        let mut filled = decoded.json[..start].to_vec();
        filled.extend_from_slice(b"true");
        filled.extend_from_slice(&decoded.json[end..]);
        let value: serde_json::Value = serde_json::from_slice(&filled).expect("JSON");
        assert_eq!(value["data"]["v"], true);
        assert!(Template::decode(&[1, 0, 0, 0]).is_none(), "a truncated template is refused");
    }
}
