//! The closed vocabularies of the API (stages, sources, kinds, channels).
//! Each is a Rust enum, serialised in snake_case, stored as that same text.

/// Declares a string enum: serde in snake_case, an OpenAPI schema, and
/// `as_str` / `parse` for storage.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The stored text back to the enum; unknown text (impossible
            /// unless the database was edited by hand) is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

string_enum!(
    /// Where the relationship stands.
    Stage {
        /// Someone you want to get to know.
        Prospect => "prospect",
        /// An active relationship.
        Connected => "connected",
        /// Not a good fit right now; revisit on `revisit_on`.
        NotNow => "not_now",
        /// Kept for the record, out of agenda and reconnect.
        Archived => "archived",
    }
);

string_enum!(
    /// Where you know the person from.
    Source {
        Family => "family",
        Friend => "friend",
        Coworker => "coworker",
        Manager => "manager",
        Client => "client",
        Vendor => "vendor",
        Classmate => "classmate",
        Teacher => "teacher",
        Group => "group",
        ServiceProvider => "service_provider",
        Event => "event",
        Online => "online",
        Other => "other",
    }
);

string_enum!(
    /// What kind of interaction it was.
    InteractionKind {
        Meeting => "meeting",
        Call => "call",
        Message => "message",
        Email => "email",
        Event => "event",
        Social => "social",
        Intro => "intro",
        Favor => "favor",
        Other => "other",
    }
);

string_enum!(
    /// How it happened.
    Channel {
        InPerson => "in_person",
        Phone => "phone",
        Video => "video",
        Email => "email",
        Linkedin => "linkedin",
        Twitter => "twitter",
        Facebook => "facebook",
        Chat => "chat",
        Other => "other",
    }
);

string_enum!(
    /// Who reached out.
    InitiatedBy {
        Me => "me",
        Them => "them",
    }
);

string_enum!(
    /// `goal`: something pursued or needed; `offer`: something this person
    /// can give (skills, knowledge, resources, connections).
    GoalKind {
        Goal => "goal",
        Offer => "offer",
    }
);

impl GoalKind {
    /// How the intersections engine reads a goal or an offer stored with
    /// `kind` (an unknown kind as a goal).
    pub fn facet_of(kind: &str) -> crate::intersections::Facet {
        match GoalKind::parse(kind) {
            Some(GoalKind::Offer) => crate::intersections::Facet::Offer,
            _ => crate::intersections::Facet::Goal,
        }
    }
}

string_enum!(
    /// How far away a goal is.
    Horizon {
        Short => "short",
        Long => "long",
    }
);

string_enum!(
    /// Where a goal stands. Only `active` goals make intersections.
    GoalStatus {
        Active => "active",
        Achieved => "achieved",
        Paused => "paused",
        Dropped => "dropped",
    }
);

string_enum!(
    /// How the user and a contact meet.
    IntersectionKind {
        /// My goal and their goal are the same pursuit.
        SharedGoal => "shared_goal",
        /// My offer meets their goal: how I can help.
        ICanHelp => "i_can_help",
        /// Their offer meets my goal: how they can help.
        TheyCanHelp => "they_can_help",
        /// We share interests: an ice-breaker.
        SharedInterest => "shared_interest",
        /// My goal and theirs complete each other: each looks for what the
        /// other's goal brings (hiring and job seeking, fundraising and
        /// investing, finding speakers and wanting to speak).
        ComplementaryGoal => "complementary_goal",
    }
);

string_enum!(
    /// Where an attendee of an event stands.
    AttendeeStatus {
        /// Invited or expected; not confirmed.
        Invited => "invited",
        /// Said they will be there.
        Going => "going",
        /// You met them there.
        Met => "met",
        /// They were there (or expected) and you did not meet.
        Missed => "missed",
    }
);

string_enum!(
    /// What the user made of an intersection.
    IntersectionStatus {
        /// Found by the engine, not yet looked at.
        Suggested => "suggested",
        /// We talked and it is real; survives every recomputation.
        Confirmed => "confirmed",
        /// Not real; never suggested again.
        Dismissed => "dismissed",
    }
);

string_enum!(
    /// Where an intersection comes from.
    IntersectionOrigin {
        /// Found by the engine.
        Computed => "computed",
        /// Recorded by you, discovered in conversation.
        Recorded => "recorded",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips_and_matches_the_json() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(*stage));
            assert_eq!(serde_json::to_value(stage).unwrap(), stage.as_str());
        }
        for source in Source::ALL {
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        for status in AttendeeStatus::ALL {
            assert_eq!(AttendeeStatus::parse(status.as_str()), Some(*status));
        }
        for kind in InteractionKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for channel in Channel::ALL {
            assert_eq!(serde_json::to_value(channel).unwrap(), channel.as_str());
        }
        for kind in IntersectionKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for status in GoalStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
