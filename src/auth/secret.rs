//! The JWT signing secret. An explicit `RAPPORT_JWT_SECRET` must be at least 32
//! bytes. Without one, a SQLite deployment generates a secret on first start
//! and keeps it in a file beside the database (mode 0600), so `cargo run` needs
//! no setup and tokens survive restarts. PostgreSQL deployments run several
//! instances that must share the key, so they refuse to start without one.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::config::Settings;

pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "RAPPORT_JWT_SECRET is {0} bytes; it must be at least {MIN_SECRET_BYTES} \
         (generate one with `openssl rand -base64 48`)"
    )]
    TooShort(usize),
    #[error(
        "RAPPORT_JWT_SECRET is required with PostgreSQL (at least {MIN_SECRET_BYTES} bytes, \
         the same on every instance; generate one with `openssl rand -base64 48`)"
    )]
    Missing,
    #[error("cannot use the JWT secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Finds or makes the secret, per the module's policy.
pub fn resolve(settings: &Settings) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = &settings.jwt_secret {
        return if secret.len() < MIN_SECRET_BYTES {
            Err(SecretError::TooShort(secret.len()))
        } else {
            Ok(secret.as_bytes().to_vec())
        };
    }
    if !settings.database.is_sqlite() {
        return Err(SecretError::Missing);
    }
    match settings.database.sqlite_file() {
        Some(db_file) => load_or_create(&PathBuf::from(format!("{db_file}.jwt-secret"))),
        // An in-memory database forgets its users on exit, so may its key.
        None => Ok(random_secret().into_bytes()),
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn load_or_create(path: &Path) -> Result<Vec<u8>, SecretError> {
    let file_error = |source| SecretError::File {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(existing) => {
            let existing = existing.trim();
            if existing.len() < MIN_SECRET_BYTES {
                return Err(SecretError::TooShort(existing.len()));
            }
            Ok(existing.as_bytes().to_vec())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let secret = random_secret();
            write_private(path, &secret).map_err(file_error)?;
            tracing::info!(
                path = %path.display(),
                "generated a JWT secret and saved it beside the database (mode 0600); \
                 set RAPPORT_JWT_SECRET to use your own"
            );
            Ok(secret.into_bytes())
        }
        Err(err) => Err(file_error(err)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, secret: Option<&str>) -> Settings {
        let url = url.to_string();
        let secret = secret.map(str::to_string);
        Settings::from_lookup(move |k| match k {
            "RAPPORT_DATABASE_URL" => Some(url.clone()),
            "RAPPORT_JWT_SECRET" => secret.clone(),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn postgres_without_a_secret_refuses_to_start() {
        let err = resolve(&settings("postgres://localhost/x", None)).unwrap_err();
        assert!(matches!(err, SecretError::Missing));
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = resolve(&settings("sqlite://r.db", Some("short"))).unwrap_err();
        assert!(matches!(err, SecretError::TooShort(5)));
    }

    #[test]
    fn sqlite_generates_a_private_secret_once_and_reuses_it() {
        let dir = std::env::temp_dir().join(format!("rapport-secret-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/r.db?mode=rwc", dir.display());
        let first = resolve(&settings(&url, None)).unwrap();
        let second = resolve(&settings(&url, None)).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= MIN_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("r.db.jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
