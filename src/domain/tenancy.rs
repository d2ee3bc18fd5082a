//! Tenancy: every row of user data has an `owner_id`, and every query on such
//! a table goes through [`Owner`], which adds the filter. An entity joins the
//! scheme by implementing [`Owned`]; a domain function gets an `Owner` only
//! from the authenticated [`Principal`](crate::auth::Principal) (or from the
//! account flows that create one), so it has no way to ask for a row without
//! saying whose. Another user's row is simply not found: a 404, never a 403,
//! so ids do not leak.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DeleteMany, EntityTrait, QueryFilter,
    QuerySelect, Select, UpdateMany,
};
use uuid::Uuid;

use crate::error::AppError;

/// A table of user data.
pub trait Owned: EntityTrait {
    /// The column holding the owning user's id.
    const OWNER: Self::Column;
}

/// A table of user data with a UUID primary key.
pub trait OwnedById: Owned {
    /// The primary key column.
    const ID: Self::Column;
    /// What a row is called in a 404 ("contact").
    const NAME: &'static str;
}

/// The user whose data a request may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner(Uuid);

impl Owner {
    /// Only authentication and the account flows call this.
    pub(crate) fn new(user_id: Uuid) -> Self {
        Self(user_id)
    }

    pub fn id(&self) -> Uuid {
        self.0
    }

    /// `SELECT … WHERE owner_id = me`.
    pub fn find<E: Owned>(&self) -> Select<E> {
        E::find().filter(E::OWNER.eq(self.0))
    }

    /// One row by id, or a 404 when absent or another user's.
    pub async fn get<E: OwnedById>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<E::Model, AppError> {
        one_or_404::<E>(db, self.find::<E>().filter(E::ID.eq(id))).await
    }

    /// One row by id, or a 404, for a change that depends on what it holds
    /// now (an `If-Match`, a merge): on PostgreSQL the row stays locked
    /// (`FOR UPDATE`) until the transaction ends, so a concurrent change
    /// waits, then reads the row as changed and fails its own check instead
    /// of overwriting. SQLite has one writer at a time and ignores the lock.
    pub async fn get_for_update<E: OwnedById>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<E::Model, AppError> {
        let query = self.find::<E>().filter(E::ID.eq(id)).lock_exclusive();
        one_or_404::<E>(db, query).await
    }

    /// Whether row `id` exists and is mine, reading only its id.
    pub async fn owns<E: OwnedById>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<bool, AppError> {
        Ok(self
            .find::<E>()
            .select_only()
            .column(E::ID)
            .filter(E::ID.eq(id))
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some())
    }

    /// `UPDATE … WHERE owner_id = me`.
    pub fn update<E: Owned>(&self) -> UpdateMany<E> {
        E::update_many().filter(E::OWNER.eq(self.0))
    }

    /// `DELETE … WHERE owner_id = me`.
    pub fn delete<E: Owned>(&self) -> DeleteMany<E> {
        E::delete_many().filter(E::OWNER.eq(self.0))
    }

    /// Replaces the rows of a mirror table that hold one parent's list (a
    /// contact's tags, a goal's topics) with `rows`.
    pub async fn replace_children<E, A>(
        &self,
        db: &impl ConnectionTrait,
        parent: E::Column,
        parent_id: Uuid,
        rows: Vec<A>,
    ) -> Result<(), AppError>
    where
        E: Owned,
        A: ActiveModelTrait<Entity = E> + Send,
    {
        self.delete::<E>()
            .filter(parent.eq(parent_id))
            .exec(db)
            .await?;
        if !rows.is_empty() {
            E::insert_many(rows).exec(db).await?;
        }
        Ok(())
    }
}

/// Declares the tenancy of entities: `owned!(entity, "name")` for tables with
/// an `owner_id` and a UUID `id`.
macro_rules! owned {
    ($($module:ident => $name:literal),+ $(,)?) => {
        $(
            impl Owned for entity::$module::Entity {
                const OWNER: Self::Column = entity::$module::Column::OwnerId;
            }
            impl OwnedById for entity::$module::Entity {
                const ID: Self::Column = entity::$module::Column::Id;
                const NAME: &'static str = $name;
            }
        )+
    };
}

owned!(
    api_token => "token",
    refresh_token => "refresh token",
    contact => "contact",
    interaction => "interaction",
    goal => "goal",
    intersection => "intersection",
    introduction_decision => "introduction",
    own_concept => "vocabulary entry",
    event => "event",
    webhook => "webhook",
    webhook_event => "webhook event",
    webhook_delivery => "delivery",
);

impl Owned for entity::goal_topic::Entity {
    const OWNER: Self::Column = entity::goal_topic::Column::OwnerId;
}

impl Owned for entity::contact_tag::Entity {
    const OWNER: Self::Column = entity::contact_tag::Column::OwnerId;
}

impl Owned for entity::interaction_contact::Entity {
    const OWNER: Self::Column = entity::interaction_contact::Column::OwnerId;
}

impl Owned for entity::event_attendee::Entity {
    const OWNER: Self::Column = entity::event_attendee::Column::OwnerId;
}

impl Owned for entity::event_goal::Entity {
    const OWNER: Self::Column = entity::event_goal::Column::OwnerId;
}

impl Owned for entity::idempotency_key::Entity {
    const OWNER: Self::Column = entity::idempotency_key::Column::OwnerId;
}

/// A user's own row: its id is its owner.
impl Owned for entity::user::Entity {
    const OWNER: Self::Column = entity::user::Column::Id;
}

impl OwnedById for entity::user::Entity {
    const ID: Self::Column = entity::user::Column::Id;
    const NAME: &'static str = "user";
}

/// The row `query` finds, or a 404 naming what `E` is.
async fn one_or_404<E: OwnedById>(
    db: &impl ConnectionTrait,
    query: Select<E>,
) -> Result<E::Model, AppError> {
    query
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(E::NAME))
}
