//! `rapport serve` as a child process, for the tests that drive the real
//! binary (`#[path]`-included: a file below `tests/support/` is no test of
//! its own). Each including crate uses part of it.
#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

/// Every request of these tests gives up after this long: a hang fails the
/// test instead of stalling it.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// `rapport serve` on a free loopback port, killed on drop if still running.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    /// Spawns the binary with `vars` (and no other `RAPPORT_*` variable) and
    /// waits until `/health/live` answers.
    pub async fn spawn(vars: &[(&str, String)], log: &Path) -> Server {
        let mut last_failure = String::new();
        // A port found free can be taken before the child binds it: retry.
        for _ in 0..3 {
            let port = free_port();
            let log_file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .expect("open the server log");
            let mut command = Command::new(env!("CARGO_BIN_EXE_rapport"));
            command.arg("serve");
            for (key, _) in std::env::vars() {
                if key.starts_with("RAPPORT_") {
                    command.env_remove(key);
                }
            }
            command
                .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
                .env("RAPPORT_LOG", "info,sqlx=warn,sea_orm=warn")
                .envs(vars.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().unwrap())
                .stderr(log_file);
            let child = command.spawn().expect("spawn the rapport binary");
            let mut server = Server {
                child,
                port,
                log: log.to_path_buf(),
            };
            let client = client();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Some(status) = server.child.try_wait().unwrap() {
                    last_failure = format!("exited with {status}:\n{}", server.log_tail());
                    break;
                }
                if let Ok(res) = client.get(server.url("/health/live")).send().await
                    && res.status() == 200
                {
                    return server;
                }
                if Instant::now() > deadline {
                    panic!("the server did not come up:\n{}", server.log_tail());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        panic!("the server would not start: {last_failure}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -TERM <pid>`.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits up to `timeout` for the process to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The last lines the server logged (for failure messages).
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(6000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // Only this test's own child, by its handle.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- server log ({}):\n{}",
                self.log.display(),
                self.log_tail()
            );
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

pub fn client() -> Client {
    Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
