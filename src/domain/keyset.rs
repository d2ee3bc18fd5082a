//! Keyset ("seek") pagination over any sort order, nullable keys included.
//!
//! A sort is a list of [`Key`]s ending with the row id, which makes the order
//! total. The cursor holds the last row's key values; the next page is every
//! row that sorts strictly after them. NULLs sort where each key says
//! (`NULLS LAST` or `NULLS FIRST`), in both directions, on both databases.

use sea_orm::sea_query::ExprTrait;
use sea_orm::sea_query::{Condition, Expr, IntoCondition, NullOrdering, SimpleExpr};
use sea_orm::{IntoSimpleExpr, Order, QueryFilter, QueryOrder, Value};

/// One sort key. Keys are NOT NULL unless marked [`Key::nullable`]; only
/// nullable keys get `NULLS FIRST/LAST`, which would otherwise keep SQLite
/// from reading the order straight off an index.
#[derive(Clone)]
pub struct Key {
    pub expr: SimpleExpr,
    pub descending: bool,
    pub nullable: bool,
    pub nulls_first: bool,
}

impl Key {
    pub fn asc(expr: impl IntoSimpleExpr) -> Self {
        Self {
            expr: expr.into_simple_expr(),
            descending: false,
            nullable: false,
            nulls_first: false,
        }
    }

    pub fn desc(expr: impl IntoSimpleExpr) -> Self {
        Self {
            expr: expr.into_simple_expr(),
            descending: true,
            nullable: false,
            nulls_first: false,
        }
    }

    /// A key that may be NULL; NULLs sort last.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// A key that may be NULL; NULLs sort first.
    pub fn nulls_first(mut self) -> Self {
        self.nullable = true;
        self.nulls_first = true;
        self
    }

    fn is_null(value: &Value) -> bool {
        *value == value.as_null()
    }

    /// Rows strictly after `value` on this key alone.
    fn after(&self, value: &Value) -> Condition {
        let col = || Expr::expr(self.expr.clone());
        if Self::is_null(value) {
            // After NULL: non-NULLs when NULLs come first, nothing otherwise.
            return if self.nulls_first {
                col().is_not_null().into_condition()
            } else {
                Condition::any().add(Expr::val(1).eq(0))
            };
        }
        let beyond = if self.descending {
            col().lt(value.clone())
        } else {
            col().gt(value.clone())
        };
        let mut cond = Condition::any().add(beyond);
        if self.nullable && !self.nulls_first {
            cond = cond.add(col().is_null());
        }
        cond
    }

    fn equal(&self, value: &Value) -> Condition {
        let col = Expr::expr(self.expr.clone());
        if Self::is_null(value) {
            col.is_null().into_condition()
        } else {
            col.eq(value.clone()).into_condition()
        }
    }
}

/// Orders `query` by `keys`.
pub fn order<Q: QueryOrder>(mut query: Q, keys: &[Key]) -> Q {
    for key in keys {
        let ord = if key.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        query = if !key.nullable {
            query.order_by(key.expr.clone(), ord)
        } else if key.nulls_first {
            query.order_by_with_nulls(key.expr.clone(), ord, NullOrdering::First)
        } else {
            query.order_by_with_nulls(key.expr.clone(), ord, NullOrdering::Last)
        };
    }
    query
}

/// `(k1, k2, …) > (v1, v2, …)` in the sort order:
/// `after(k1) OR (k1 = v1 AND after(k2, …))`.
pub fn after(keys: &[Key], values: &[Value]) -> Condition {
    match (keys.split_first(), values.split_first()) {
        (Some((key, rest_keys)), Some((value, rest_values))) if !rest_keys.is_empty() => {
            Condition::any().add(key.after(value)).add(
                Condition::all()
                    .add(key.equal(value))
                    .add(after(rest_keys, rest_values)),
            )
        }
        (Some((key, _)), Some((value, _))) => key.after(value),
        _ => Condition::all(),
    }
}

/// Orders `query` by `keys` and, given a cursor's values, starts after them.
pub fn seek<Q: QueryOrder + QueryFilter>(query: Q, keys: &[Key], cursor: Option<&[Value]>) -> Q {
    let query = match cursor {
        Some(values) => query.filter(after(keys, values)),
        None => query,
    };
    order(query, keys)
}
