//! What search reads of each resource, field by field, in the order a
//! snippet prefers them: the same list builds the documents and finds where
//! a hit matched.

use entity::{contact, goal, interaction};

/// One searchable field: its name in the API, and its text.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    pub name: &'static str,
    pub text: &'a str,
}

impl<'a> Field<'a> {
    pub fn new(name: &'static str, text: &'a str) -> Self {
        Self { name, text }
    }
}

fn some<'a>(fields: &mut Vec<Field<'a>>, name: &'static str, text: Option<&'a str>) {
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        fields.push(Field::new(name, text));
    }
}

/// A contact's fields: who they are, how we met, what we know of them.
pub fn contact(c: &contact::Model) -> Vec<Field<'_>> {
    let mut fields = vec![Field::new("full_name", &c.full_name)];
    some(&mut fields, "headline", c.headline.as_deref());
    some(&mut fields, "company", c.company.as_deref());
    some(&mut fields, "role", c.role.as_deref());
    some(&mut fields, "location", c.location.as_deref());
    some(&mut fields, "met_via", c.met_via.as_deref());
    for interest in &c.interests.0 {
        fields.push(Field::new("interests", interest));
    }
    some(&mut fields, "why", c.why.as_deref());
    some(&mut fields, "can_give", c.can_give.as_deref());
    some(&mut fields, "can_get", c.can_get.as_deref());
    some(&mut fields, "next_step", c.next_step.as_deref());
    some(&mut fields, "spends_time_on", c.spends_time_on.as_deref());
    some(&mut fields, "relaxes_by", c.relaxes_by.as_deref());
    some(&mut fields, "growing_in", c.growing_in.as_deref());
    some(&mut fields, "notes", c.notes.as_deref());
    for email in &c.emails.0 {
        fields.push(Field::new("emails", email));
    }
    fields
}

/// An interaction's fields: what happened, what was given and received.
pub fn interaction(i: &interaction::Model) -> Vec<Field<'_>> {
    let mut fields = Vec::new();
    some(&mut fields, "summary", i.summary.as_deref());
    some(&mut fields, "notes", i.notes.as_deref());
    some(&mut fields, "gave", i.gave.as_deref());
    some(&mut fields, "received", i.received.as_deref());
    some(&mut fields, "follow_up_note", i.follow_up_note.as_deref());
    fields
}

/// A goal's (or an offer's) fields.
pub fn goal(g: &goal::Model) -> Vec<Field<'_>> {
    let mut fields = vec![Field::new("title", &g.title)];
    some(&mut fields, "description", g.description.as_deref());
    for topic in &g.topics.0 {
        fields.push(Field::new("topics", topic));
    }
    fields
}
