//! A throwaway PostgreSQL database for one test, shared by the test crates
//! (`#[path]`-included: a file below `tests/support/` is no test of its own).

use uuid::Uuid;

/// A fresh database on a PostgreSQL server, dropped (with its connections)
/// when this is dropped.
pub struct PostgresDatabase {
    server: String,
    name: String,
}

impl PostgresDatabase {
    /// Creates `{prefix}_{uuid}` on `server` (`postgres://user@host:port`).
    pub async fn create(server: &str, prefix: &str) -> Self {
        use sea_orm::ConnectionTrait;
        let server = server.trim_end_matches('/').to_string();
        let name = format!("{prefix}_{}", Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .expect("connect to TEST_POSTGRES_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        Self { server, name }
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs outside async: a small runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(format!("{server}/postgres")).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}
