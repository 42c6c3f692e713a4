//! DataLoaders: every list resolves its authors, sections, departments, replies and counters in one
//! query per kind instead of one per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use entities::{comment, consultation, consultation_department, department, observation, observation_follow_up, observation_reply, reply, report, section, supervisor, supervisor_application, user};

use crate::error::AppError;
use crate::services::counters::{self, Counts};
use crate::sql;

pub type LoadError = Arc<AppError>;

fn err(e: impl Into<AppError>) -> LoadError {
    Arc::new(e.into())
}

macro_rules! by_id_loader {
    ($name:ident, $entity:ident) => {
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find().filter($entity::Column::Id.is_in(keys.to_vec())).all(&self.0).await.map_err(err)?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

by_id_loader!(UserLoader, user);
by_id_loader!(DepartmentLoader, department);
by_id_loader!(SectionLoader, section);
by_id_loader!(ConsultationLoader, consultation);
by_id_loader!(CommentLoader, comment);
by_id_loader!(SupervisorLoader, supervisor);
by_id_loader!(ObservationLoader, observation);
by_id_loader!(ApplicationLoader, supervisor_application);

/// Rows of `$entity` grouped by a parent id column, in `$order` (the id, oldest first, by default).
macro_rules! children_loader {
    ($name:ident, $entity:ident, $column:ident, $field:ident) => {
        children_loader!($name, $entity, $column, $field, Id);
    };
    ($name:ident, $entity:ident, $column:ident, $field:ident, $order:ident) => {
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = Vec<$entity::Model>;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$column.is_in(keys.to_vec()))
                    .order_by_asc($entity::Column::$order)
                    .all(&self.0)
                    .await
                    .map_err(err)?;
                let mut out: HashMap<Uuid, Vec<$entity::Model>> = HashMap::new();
                for r in rows {
                    out.entry(r.$field).or_default().push(r);
                }
                Ok(out)
            }
        }
    };
}

children_loader!(ObservationRepliesLoader, observation_reply, ObservationId, observation_id);
children_loader!(FollowUpsLoader, observation_follow_up, ObservationId, observation_id);
// Replies of each comment.
children_loader!(RepliesLoader, reply, CommentId, comment_id);
// Reports of each comment, oldest first.
children_loader!(ReportsLoader, report, CommentId, comment_id, CreatedAt);
// Sections of each consultation, in order.
children_loader!(SectionsLoader, section, ConsultationId, consultation_id, Ordinal);
// The cooperating departments of each consultation.
children_loader!(CooperatingLoader, consultation_department, ConsultationId, consultation_id, DepartmentId);

/// Each user's latest supervisor appointment.
pub struct LatestAppointmentLoader(pub DatabaseConnection);

impl Loader<Uuid> for LatestAppointmentLoader {
    type Value = supervisor::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut params = sql::Params::new();
        let users = params.bind_all(keys.iter().copied());
        let sql_text = format!(
            "SELECT s.* FROM supervisors s WHERE s.user_id IN ({users}) AND NOT EXISTS
               (SELECT 1 FROM supervisors o WHERE o.user_id = s.user_id AND o.id > s.id)"
        );
        let rows = supervisor::Entity::find()
            .from_raw_sql(sql::statement(&self.0, &sql_text, params.into_values()))
            .all(&self.0)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|s| (s.user_id, s)).collect())
    }
}

/// The appointment an approved application led to.
pub struct AppointmentByApplicationLoader(pub DatabaseConnection);

impl Loader<Uuid> for AppointmentByApplicationLoader {
    type Value = supervisor::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = supervisor::Entity::find().filter(supervisor::Column::ApplicationId.is_in(keys.to_vec())).all(&self.0).await.map_err(err)?;
        Ok(rows.into_iter().map(|s| (s.application_id, s)).collect())
    }
}

/// Summed sharded counters of consultations, sections and duplicate groups.
pub struct CountersLoader(pub DatabaseConnection);

impl Loader<Uuid> for CountersLoader {
    type Value = Counts;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        counters::load(&self.0, keys).await.map_err(err)
    }
}

/// Whether the signed-in viewer has endorsed each comment.
pub struct EndorsedLoader {
    pub db: DatabaseConnection,
    pub user: Option<Uuid>,
}

impl Loader<Uuid> for EndorsedLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(user) = self.user else { return Ok(keys.iter().map(|k| (*k, false)).collect()) };
        let mut params = sql::Params::new();
        let user = params.bind(user);
        let comments = params.bind_all(keys.iter().copied());
        let rows = sql::rows(
            &self.db,
            &format!("SELECT comment_id FROM endorsements WHERE user_id = {user} AND comment_id IN ({comments})"),
            params.into_values(),
        )
        .await
        .map_err(err)?;
        let mut out: HashMap<Uuid, bool> = keys.iter().map(|k| (*k, false)).collect();
        for row in rows {
            let id: Uuid = row.try_get("", "comment_id").map_err(err)?;
            out.insert(id, true);
        }
        Ok(out)
    }
}

/// The first comment of each duplicate group, shown as its sample.
pub struct GroupSampleLoader(pub DatabaseConnection);

impl Loader<Uuid> for GroupSampleLoader {
    type Value = comment::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut params = sql::Params::new();
        let groups = params.bind_all(keys.iter().copied());
        let sql_text = format!(
            "SELECT c.* FROM comments c WHERE c.duplicate_group_id IN ({groups}) AND NOT EXISTS
               (SELECT 1 FROM comments o WHERE o.duplicate_group_id = c.duplicate_group_id AND o.id < c.id)"
        );
        let rows = comment::Entity::find()
            .from_raw_sql(sql::statement(&self.0, &sql_text, params.into_values()))
            .all(&self.0)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|c| (c.duplicate_group_id, c)).collect())
    }
}

/// The loaders of one request.
pub struct Loaders {
    pub users: DataLoader<UserLoader>,
    pub departments: DataLoader<DepartmentLoader>,
    pub sections: DataLoader<SectionLoader>,
    pub consultations: DataLoader<ConsultationLoader>,
    pub comments: DataLoader<CommentLoader>,
    pub replies: DataLoader<RepliesLoader>,
    pub reports: DataLoader<ReportsLoader>,
    pub consultation_sections: DataLoader<SectionsLoader>,
    pub cooperating: DataLoader<CooperatingLoader>,
    pub counters: DataLoader<CountersLoader>,
    pub endorsed: DataLoader<EndorsedLoader>,
    pub group_samples: DataLoader<GroupSampleLoader>,
    pub supervisors: DataLoader<SupervisorLoader>,
    pub observations: DataLoader<ObservationLoader>,
    pub applications: DataLoader<ApplicationLoader>,
    pub observation_replies: DataLoader<ObservationRepliesLoader>,
    pub follow_ups: DataLoader<FollowUpsLoader>,
    pub latest_appointments: DataLoader<LatestAppointmentLoader>,
    pub appointments_by_application: DataLoader<AppointmentByApplicationLoader>,
}

/// Runs a DataLoader's batch on the runtime, inside a span of its own when traces are on (a child of
/// the resolver that asked first), so that its statements join the request's trace.
fn batch(name: &'static str) -> impl Fn(futures_util::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> + Send + Sync + 'static {
    move |future| {
        use tracing::Instrument as _;
        let span = if crate::telemetry::enabled() {
            tracing::info_span!(target: crate::telemetry::TARGET, "dataloader", otel.name = %format_args!("DataLoader {name}"))
        } else {
            tracing::Span::none()
        };
        tokio::spawn(future.instrument(span))
    }
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, viewer: Option<Uuid>) -> Self {
        Self {
            users: DataLoader::new(UserLoader(db.clone()), batch("UserLoader")),
            departments: DataLoader::new(DepartmentLoader(db.clone()), batch("DepartmentLoader")),
            sections: DataLoader::new(SectionLoader(db.clone()), batch("SectionLoader")),
            consultations: DataLoader::new(ConsultationLoader(db.clone()), batch("ConsultationLoader")),
            comments: DataLoader::new(CommentLoader(db.clone()), batch("CommentLoader")),
            replies: DataLoader::new(RepliesLoader(db.clone()), batch("RepliesLoader")),
            reports: DataLoader::new(ReportsLoader(db.clone()), batch("ReportsLoader")),
            consultation_sections: DataLoader::new(SectionsLoader(db.clone()), batch("SectionsLoader")),
            cooperating: DataLoader::new(CooperatingLoader(db.clone()), batch("CooperatingLoader")),
            counters: DataLoader::new(CountersLoader(db.clone()), batch("CountersLoader")),
            endorsed: DataLoader::new(EndorsedLoader { db: db.clone(), user: viewer }, batch("EndorsedLoader")),
            group_samples: DataLoader::new(GroupSampleLoader(db.clone()), batch("GroupSampleLoader")),
            supervisors: DataLoader::new(SupervisorLoader(db.clone()), batch("SupervisorLoader")),
            applications: DataLoader::new(ApplicationLoader(db.clone()), batch("ApplicationLoader")),
            observations: DataLoader::new(ObservationLoader(db.clone()), batch("ObservationLoader")),
            observation_replies: DataLoader::new(ObservationRepliesLoader(db.clone()), batch("ObservationRepliesLoader")),
            follow_ups: DataLoader::new(FollowUpsLoader(db.clone()), batch("FollowUpsLoader")),
            latest_appointments: DataLoader::new(LatestAppointmentLoader(db.clone()), batch("LatestAppointmentLoader")),
            appointments_by_application: DataLoader::new(AppointmentByApplicationLoader(db.clone()), batch("AppointmentByApplicationLoader")),
        }
    }
}
