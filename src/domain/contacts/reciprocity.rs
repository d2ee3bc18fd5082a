//! Reciprocity per person (seeds 000 and 003: networking is an exchange of
//! favours; keep it balanced). It reads the derived counters of past
//! interactions only: a favour planned is not a favour given.

use chrono::{DateTime, Utc};
use entity::contact;
use serde::Serialize;
use utoipa::ToSchema;

/// Where the exchange with a contact stands, from the interactions in which
/// you gave (`gave_count`) and received (`received_count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// Nothing given or received yet.
    None,
    /// As often given as received.
    Even,
    /// They gave more often than you did: your turn.
    IOwe,
    /// You gave more often than they did.
    TheyOwe,
}

impl Balance {
    pub fn of(gave: i32, received: i32) -> Self {
        match (gave, received) {
            (0, 0) => Self::None,
            (g, r) if g == r => Self::Even,
            (g, r) if r > g => Self::IOwe,
            _ => Self::TheyOwe,
        }
    }
}

/// The exchange of favours with one contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "balance": "i_owe", "net": -1,
    "last_gave_at": "2026-03-02T10:00:00Z", "last_received_at": "2026-09-14T18:30:00Z"
}))]
pub struct ContactReciprocity {
    pub balance: Balance,
    /// `gave_count - received_count`: below zero, they gave more.
    #[schema(example = -1)]
    pub net: i32,
    /// When you last gave them something (a past interaction with `gave`).
    pub last_gave_at: Option<DateTime<Utc>>,
    /// When they last gave you something (a past interaction with `received`).
    pub last_received_at: Option<DateTime<Utc>>,
}

impl ContactReciprocity {
    pub fn of(c: &contact::Model) -> Self {
        Self {
            balance: Balance::of(c.gave_count, c.received_count),
            net: c.gave_count - c.received_count,
            last_gave_at: c.last_gave_at,
            last_received_at: c.last_received_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_balance_reads_the_two_counts() {
        assert_eq!(Balance::of(0, 0), Balance::None);
        assert_eq!(Balance::of(2, 2), Balance::Even);
        assert_eq!(Balance::of(0, 1), Balance::IOwe);
        assert_eq!(Balance::of(1, 3), Balance::IOwe);
        assert_eq!(Balance::of(3, 0), Balance::TheyOwe);
    }
}
