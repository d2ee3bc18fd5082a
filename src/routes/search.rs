//! `/search`: people found by anything you wrote about them.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Principal;
use crate::domain::page::Page;
use crate::domain::search::{self, SearchHit, SearchParams};
use crate::error::AppError;
use crate::http::extract::ApiQuery;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(search_everything);
}

/// Search contacts, interactions, goals and offers.
///
/// One list, best match first, across your contacts (name, headline,
/// company, role, location, `met_via`, interests, notes and the other text
/// fields), your interactions (summary, notes, what was given and received,
/// follow-up notes) and your goals and offers (title, description, topics).
/// Each hit says where it matched, as a snippet whose parts mark the words
/// that did.
///
/// The language is small: words (all must match), `"an exact phrase"`,
/// `prefix*`, and `-word` or `-"a phrase"` to exclude. Case, accents and
/// word endings do not matter: `podcasts` finds "podcasting", `Muller`
/// finds "Müller", `kube*` finds "Kubernetes". Anything else (`OR`,
/// parentheses, `field:value`, an unbalanced quote) is a 400 that says why.
/// Pages follow the same order for the same query; a cursor from another
/// query is a 400.
#[utoipa::path(
    tag = "search",
    params(SearchParams),
    responses((status = 200, description = "A page of hits, best first.", body = Page<SearchHit>))
)]
#[get("/search")]
pub async fn search_everything(
    state: web::Data<AppState>,
    who: Principal,
    params: ApiQuery<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let page = search::search(state.domain.reader(), who.owner, params.0).await?;
    Ok(HttpResponse::Ok().json(page))
}
