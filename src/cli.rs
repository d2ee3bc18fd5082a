//! The command line: one binary that serves, migrates or prints the spec.

use clap::{Parser, Subcommand};

/// Rapport: smart networking, as a JSON REST API.
///
/// Configuration comes from RAPPORT_* environment variables (see README).
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default): migrates the database first.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
}
