//! Webhooks: subscriptions to the events of one's own data, signed and
//! delivered at least once.
//!
//! - [`outbox`] writes an event, and one delivery per subscription that wants
//!   it, in the transaction of the change that caused it;
//! - [`delivery`] is the worker that sends them, retries with backoff and
//!   disables a subscription whose receiver stays down;
//! - [`due`] turns dates reaching today into `*.due` events, once per date;
//! - [`policy`] says which addresses may receive them; [`signing`] signs
//!   them as Standard Webhooks does.

pub mod deliveries;
pub mod delivery;
pub mod due;
pub mod outbox;
pub mod policy;
pub mod signing;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::webhook;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::WebhookSettings;
use crate::domain::page::{Page, PageParams, paginate};
use crate::domain::patch::{Patch, required};
use crate::domain::tenancy::Owner;
use crate::domain::validate::Validator;
use crate::error::AppError;
use policy::AddressPolicy;

/// Subscriptions one account may hold.
pub const MAX_WEBHOOKS: u64 = 20;
/// How long the secret before a rotation keeps signing.
pub const ROTATION_GRACE_HOURS: i64 = 24;
const URL_MAX: usize = 2000;
/// Event types one subscription may list (as many as there are; the spec's
/// `maxItems`).
const EVENT_TYPES_MAX: usize = 20;
const DESCRIPTION_MAX: usize = 500;

/// What happened. Resource events carry the resource as the API shows it
/// (its id for a deletion); derived events carry what was found or fell due.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum EventType {
    #[serde(rename = "contact.created")]
    ContactCreated,
    #[serde(rename = "contact.updated")]
    ContactUpdated,
    #[serde(rename = "contact.deleted")]
    ContactDeleted,
    #[serde(rename = "interaction.created")]
    InteractionCreated,
    #[serde(rename = "interaction.updated")]
    InteractionUpdated,
    #[serde(rename = "interaction.deleted")]
    InteractionDeleted,
    #[serde(rename = "goal.created")]
    GoalCreated,
    #[serde(rename = "goal.updated")]
    GoalUpdated,
    #[serde(rename = "goal.deleted")]
    GoalDeleted,
    #[serde(rename = "event.created")]
    EventCreated,
    #[serde(rename = "event.updated")]
    EventUpdated,
    #[serde(rename = "event.deleted")]
    EventDeleted,
    /// A new suggested intersection.
    #[serde(rename = "intersection.found")]
    IntersectionFound,
    /// You confirmed an intersection.
    #[serde(rename = "intersection.confirmed")]
    IntersectionConfirmed,
    /// A new suggested introduction between two contacts.
    #[serde(rename = "introduction.suggested")]
    IntroductionSuggested,
    /// A follow-up's date came.
    #[serde(rename = "follow_up.due")]
    FollowUpDue,
    /// A contact's `next_step_due` came.
    #[serde(rename = "next_step.due")]
    NextStepDue,
    /// A contact's keep-in-touch date came.
    #[serde(rename = "touch.due")]
    TouchDue,
    /// A `not_now` contact's `revisit_on` came.
    #[serde(rename = "revisit.due")]
    RevisitDue,
    /// Sent by `POST /webhooks/{id}/test`, to that subscription only.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        // The variants are declared in the order of `NAMES`.
        Self::NAMES[self as usize]
    }

    pub const ALL: [EventType; 20] = [
        Self::ContactCreated,
        Self::ContactUpdated,
        Self::ContactDeleted,
        Self::InteractionCreated,
        Self::InteractionUpdated,
        Self::InteractionDeleted,
        Self::GoalCreated,
        Self::GoalUpdated,
        Self::GoalDeleted,
        Self::EventCreated,
        Self::EventUpdated,
        Self::EventDeleted,
        Self::IntersectionFound,
        Self::IntersectionConfirmed,
        Self::IntroductionSuggested,
        Self::FollowUpDue,
        Self::NextStepDue,
        Self::TouchDue,
        Self::RevisitDue,
        Self::WebhookTest,
    ];

    const NAMES: [&'static str; 20] = [
        "contact.created",
        "contact.updated",
        "contact.deleted",
        "interaction.created",
        "interaction.updated",
        "interaction.deleted",
        "goal.created",
        "goal.updated",
        "goal.deleted",
        "event.created",
        "event.updated",
        "event.deleted",
        "intersection.found",
        "intersection.confirmed",
        "introduction.suggested",
        "follow_up.due",
        "next_step.due",
        "touch.due",
        "revisit.due",
        "webhook.test",
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Self::ALL[i])
    }
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/rapport", "event_types": ["intersection.found", "follow_up.due"], "description": "Team chat"}))]
pub struct CreateWebhook {
    /// Where to send events: `https` (plain `http` only to hosts allowed by
    /// `RAPPORT_WEBHOOKS_ALLOW_HTTP`), never to a private, loopback,
    /// link-local or metadata address unless configuration allows it.
    #[schema(
        example = "https://hooks.example.com/rapport",
        min_length = 1,
        max_length = 2000
    )]
    pub url: String,
    /// The events wanted; omitted or empty: all of them, including those
    /// added later.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub event_types: Vec<EventType>,
    #[schema(example = "Team chat", max_length = 500)]
    pub description: Option<String>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

/// Changes to a subscription (JSON Merge Patch). Enabling a subscription
/// the service disabled clears `disabled_reason` and resumes its pending
/// deliveries.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct UpdateWebhook {
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub url: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<Vec<EventType>>, max_items = 20)]
    pub event_types: Patch<Vec<EventType>>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "crate::domain::patch::field")]
    #[schema(value_type = bool)]
    pub enabled: Patch<bool>,
}

/// A subscription, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    #[schema(example = "0193a5f2-8c1e-7d2a-9b7e-2f1c3d4e5f70")]
    pub id: Uuid,
    #[schema(example = "https://hooks.example.com/rapport")]
    pub url: String,
    /// The events sent; empty: all.
    #[schema(example = json!(["contact.created", "intersection.found"]))]
    pub event_types: Vec<EventType>,
    #[schema(example = "CRM sync")]
    pub description: Option<String>,
    pub enabled: bool,
    /// Why the service disabled it (its receiver failed for too long); `null`
    /// when enabled or disabled by you.
    #[schema(example = "no delivery succeeded for 24 hours (last: connection refused)")]
    pub disabled_reason: Option<String>,
    /// The start of the signing secret, to recognise it.
    #[schema(example = "whsec_MfKQ9r")]
    pub secret_prefix: String,
    /// Until when the secret before the last rotation also signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A subscription with its signing secret: shown at creation and rotation
/// only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Verify each delivery's `webhook-signature` with it (Standard
    /// Webhooks); it cannot be shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<webhook::Model> for Webhook {
    fn from(w: webhook::Model) -> Self {
        let event_types = stored_types(&w.event_types);
        let live_previous = w
            .previous_secret_expires_at
            .filter(|at| *at > Utc::now() && w.previous_secret.is_some());
        Self {
            id: w.id,
            url: w.url,
            event_types,
            description: w.description,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            secret_prefix: w
                .secret
                .chars()
                .take(signing::SECRET_PREFIX.len() + 6)
                .collect(),
            previous_secret_expires_at: live_previous,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// The event types a subscription stores (a JSON array of names).
pub(crate) fn stored_types(json: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| EventType::parse(name))
        .collect()
}

/// Refuses a list longer than the spec allows (repeats included: a list is
/// checked as sent).
fn check_types(v: &mut Validator, types: &[EventType]) {
    if types.len() > EVENT_TYPES_MAX {
        v.error(
            "event_types",
            format!("at most {EVENT_TYPES_MAX} event types"),
        );
    }
}

fn store_types(types: &[EventType]) -> String {
    let mut names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

/// A target that passed [`Webhooks::vet`].
pub struct Vetted {
    pub url: reqwest::Url,
    /// Lower case, without an IPv6 address's brackets.
    pub host: String,
    /// The host, when it is an address (allowed by the policy).
    pub ip: Option<IpAddr>,
}

/// Why a target is refused before any name is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unparsable,
    NoHost,
    /// `http` to a host the configuration does not allow it to.
    PlainHttp,
    /// Neither `https` nor `http`.
    NotWeb,
    Credentials,
    Fragment,
    /// An address the policy refuses.
    Address(IpAddr),
}

/// What deciding where webhooks may go needs: the configuration and the
/// address policy made from it.
pub struct Webhooks {
    pub settings: WebhookSettings,
    pub policy: Arc<AddressPolicy>,
}

impl Webhooks {
    pub fn new(settings: WebhookSettings) -> Self {
        let policy = Arc::new(AddressPolicy::new(settings.allow_networks.clone()));
        Self { settings, policy }
    }

    /// What can be said of a target without resolving a name: the same
    /// rules at creation ([`Webhooks::check_url`]) and at every attempt
    /// ([`delivery::Sender::send`]).
    pub fn vet(&self, url: &str) -> Result<Vetted, Refusal> {
        let url = reqwest::Url::parse(url).map_err(|_| Refusal::Unparsable)?;
        let host = url
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
            .ok_or(Refusal::NoHost)?;
        match url.scheme() {
            "https" => {}
            "http" if self.settings.allow_http_hosts.contains(&host) => {}
            "http" => return Err(Refusal::PlainHttp),
            _ => return Err(Refusal::NotWeb),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        if url.fragment().is_some() {
            return Err(Refusal::Fragment);
        }
        // Addresses written in the URL never reach a resolver: checked here.
        let ip = host.parse::<IpAddr>().ok();
        if let Some(ip) = ip
            && !self.policy.allows(ip)
        {
            return Err(Refusal::Address(ip));
        }
        Ok(Vetted { url, host, ip })
    }

    /// Checks a target URL: a web URL, `https` unless its host is allowed
    /// plain `http`, no credentials, and not an address the policy refuses
    /// (a name is resolved: one that resolves only to refused addresses is
    /// refused; one that does not resolve now is accepted and checked again
    /// at each delivery).
    pub async fn check_url(&self, v: &mut Validator, url: &str) {
        let (parsed, host) = match self.vet(url) {
            Ok(Vetted { ip: Some(_), .. }) => return,
            Ok(Vetted {
                url,
                host,
                ip: None,
            }) => (url, host),
            Err(refusal) => {
                let message = match refusal {
                    Refusal::Unparsable => "must be an absolute https URL",
                    Refusal::NoHost => "must name a host",
                    Refusal::PlainHttp => {
                        "must use https (plain http only to hosts the service's configuration allows)"
                    }
                    Refusal::NotWeb => "must be an https URL",
                    Refusal::Credentials => {
                        "must not hold credentials; use the signature to authenticate"
                    }
                    Refusal::Fragment => "must not have a fragment",
                    Refusal::Address(_) => "is a private, loopback, link-local or reserved address",
                };
                return v.error("url", message);
            }
        };
        let port = parsed.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((host.as_str(), port));
        if let Ok(Ok(found)) = tokio::time::timeout(StdDuration::from_secs(2), lookup).await {
            let addresses: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            if !addresses.is_empty() && !addresses.iter().any(|ip| self.policy.allows(*ip)) {
                v.error(
                    "url",
                    "resolves to a private, loopback, link-local or reserved address",
                );
            }
        }
    }
}

#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn list(
    db: &impl ConnectionTrait,
    owner: Owner,
    page: &PageParams,
) -> Result<Page<Webhook>, AppError> {
    let limit = page.limit()?;
    // Ids are UUIDv7: id order is creation order.
    let mut query = owner
        .find::<webhook::Entity>()
        .order_by_desc(webhook::Column::Id);
    if let Some(after) = page.cursor::<Uuid>()? {
        query = query.filter(webhook::Column::Id.lt(after));
    }
    let rows = query.limit(limit + 1).all(db).await?;
    Ok(paginate(rows, limit, |w| w.id, Webhook::from))
}

pub async fn get(db: &impl ConnectionTrait, owner: Owner, id: Uuid) -> Result<Webhook, AppError> {
    Ok(owner.get::<webhook::Entity>(db, id).await?.into())
}

/// Validates a new subscription (outside the transaction: it may resolve a
/// name).
pub async fn prepare(
    hooks: &Webhooks,
    owner: Owner,
    input: CreateWebhook,
) -> Result<webhook::Model, AppError> {
    let mut v = Validator::new();
    let url = v.text("url", &input.url, URL_MAX);
    hooks.check_url(&mut v, &url).await;
    let description = v.optional_text("description", input.description.as_deref(), DESCRIPTION_MAX);
    check_types(&mut v, &input.event_types);
    v.finish()?;
    let now = Utc::now();
    Ok(webhook::Model {
        id: Uuid::now_v7(),
        owner_id: owner.id(),
        url,
        description,
        event_types: store_types(&input.event_types),
        enabled: input.enabled.unwrap_or(true),
        secret: signing::new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    })
}

/// Stores a [`prepare`]d subscription, within the account's cap.
#[tracing::instrument(skip_all, fields(user_id = %owner.id()))]
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Owner,
    row: webhook::Model,
) -> Result<WebhookWithSecret, AppError> {
    owner
        .get_for_update::<entity::user::Entity>(db, owner.id())
        .await
        .map_err(|_| AppError::account_deleted())?;
    if owner.find::<webhook::Entity>().count(db).await? >= MAX_WEBHOOKS {
        return Err(AppError::Conflict {
            code: "too_many_webhooks",
            detail: format!(
                "An account holds at most {MAX_WEBHOOKS} webhook subscriptions; delete one first."
            ),
        });
    }
    let secret = row.secret.clone();
    let row = row.into_active_model().reset_all().insert(db).await?;
    tracing::info!(webhook_id = %row.id, "webhook created");
    Ok(WebhookWithSecret {
        webhook: row.into(),
        secret,
    })
}

/// Validates a change (outside the transaction: a new URL may need a name
/// resolved).
pub async fn check_update(hooks: &Webhooks, patch: &UpdateWebhook) -> Result<(), AppError> {
    let mut v = Validator::new();
    if let Some(Some(url)) = &patch.url {
        let url = v.text("url", url, URL_MAX);
        hooks.check_url(&mut v, &url).await;
    }
    v.finish()
}

/// Applies a [`check_update`]d `patch` after `precondition` accepts the
/// stored subscription.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), webhook_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    patch: UpdateWebhook,
    precondition: impl FnOnce(&Webhook) -> Result<(), AppError>,
) -> Result<Webhook, AppError> {
    let current = owner.get_for_update::<webhook::Entity>(db, id).await?;
    precondition(&current.clone().into())?;
    let mut next = current.clone();
    let mut v = Validator::new();
    if let Some(url) = required(&mut v, "url", patch.url) {
        next.url = v.text("url", &url, URL_MAX);
    }
    if let Some(types) = patch.event_types {
        let types = types.unwrap_or_default();
        check_types(&mut v, &types);
        next.event_types = store_types(&types);
    }
    if let Some(description) = patch.description {
        next.description = v.optional_text("description", description.as_deref(), DESCRIPTION_MAX);
    }
    if let Some(enabled) = required(&mut v, "enabled", patch.enabled) {
        if enabled && !current.enabled {
            next.disabled_reason = None;
            next.failing_since = None;
        }
        next.enabled = enabled;
    }
    v.finish()?;
    if next == current {
        return Ok(current.into());
    }
    next.updated_at = Utc::now();
    let row = next.into_active_model().reset_all().update(db).await?;
    Ok(row.into())
}

/// A new signing secret; the old one keeps signing for
/// [`ROTATION_GRACE_HOURS`] so receivers can switch without losing events.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), webhook_id = %id))]
pub async fn rotate_secret(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
) -> Result<WebhookWithSecret, AppError> {
    let mut row = owner.get_for_update::<webhook::Entity>(db, id).await?;
    let now = Utc::now();
    row.previous_secret = Some(std::mem::replace(&mut row.secret, signing::new_secret()));
    row.previous_secret_expires_at = Some(now + Duration::hours(ROTATION_GRACE_HOURS));
    row.updated_at = now;
    let secret = row.secret.clone();
    let row = row.into_active_model().reset_all().update(db).await?;
    tracing::info!("webhook secret rotated");
    Ok(WebhookWithSecret {
        webhook: row.into(),
        secret,
    })
}

/// Deletes a subscription; its pending deliveries go with it.
#[tracing::instrument(skip_all, fields(user_id = %owner.id(), webhook_id = %id))]
pub async fn delete(
    db: &impl ConnectionTrait,
    owner: Owner,
    id: Uuid,
    precondition: impl FnOnce(&Webhook) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let current = owner.get_for_update::<webhook::Entity>(db, id).await?;
    precondition(&current.into())?;
    owner
        .delete::<webhook::Entity>()
        .filter(webhook::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
