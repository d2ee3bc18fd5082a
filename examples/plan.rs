use sea_orm::{ConnectionTrait, Database, Statement};
#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).unwrap();
    let db = Database::connect(url).await.unwrap();
    let owner: Vec<sea_orm::QueryResult> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "select sqlite_version() as v",
        ))
        .await
        .unwrap();
    println!("{:?}", owner[0].try_get::<String>("", "v"));
    for sql in std::env::args().skip(2) {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("EXPLAIN QUERY PLAN {sql}"),
            ))
            .await
            .unwrap();
        for r in rows {
            println!("{:?}", r.try_get::<String>("", "detail"));
        }
    }
}
