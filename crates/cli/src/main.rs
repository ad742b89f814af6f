//! `starmark`: the one binary. It owns flags, configuration and exit codes;
//! the work is done by the library crates.
//!
//! Exit codes: 0 success; 1 the checked thing failed (a checklist with
//! errors); 2 usage, input/output or configuration error.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "the binary is where output is printed")]

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// starmark: registry and toolkit for the IoT product security labeling scheme (JC-STAR).
#[derive(Debug, Parser)]
#[command(name = "starmark", version, about, long_about = None, after_help = "Exit codes: 0 success, 1 check failed, 2 usage or I/O error.")]
struct Cli {
    /// Use the criteria catalog in DIR instead of the embedded one.
    #[arg(long, global = true, env = "STARMARK_CATALOG", value_name = "DIR")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List and show criteria catalogs and their requirements.
    #[command(subcommand)]
    Criteria(CriteriaCommand),
    /// Write and check self-evaluation checklists.
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// Show which requirements of another scheme a catalog covers, and the gaps.
    Map(MapArgs),
}

#[derive(Debug, Subcommand)]
enum CriteriaCommand {
    /// List the catalogs, or the requirements of one catalog.
    List {
        /// A catalog id (e.g. star-1, etsi-en-303-645), optionally with @VERSION.
        #[arg(long, value_name = "ID")]
        scheme: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one requirement in full, with its crosswalk links.
    Show {
        /// Requirement id, e.g. S1.1-04 or 5.1-1.
        id: String,
        /// Look only in this catalog.
        #[arg(long, value_name = "ID")]
        scheme: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Load the catalog (embedded or --catalog DIR) and report every problem.
    Validate,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FileFormat {
    Toml,
    Json,
}

#[derive(Debug, Subcommand)]
enum ChecklistCommand {
    /// Write a blank checklist with guidance for every criterion.
    New {
        /// The level applied for.
        #[arg(long, default_value = "star-1", value_parser = parse_level)]
        level: starmark_criteria::Level,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Encoding; defaults to the extension of --out, else TOML.
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Run the registry's format check on a checklist (TOML or JSON; - reads standard input).
    Check(CheckArgs),
    /// Print the checklist's JSON Schema.
    Schema,
}

#[derive(Debug, Args)]
struct CheckArgs {
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Check as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// Encoding of the input; defaults to the file extension, else sniffed.
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
}

#[derive(Debug, Args)]
struct MapArgs {
    /// The covering catalog, e.g. star-1.
    #[arg(long, default_value = "star-1")]
    from: String,
    /// The target: uk-psti, sg-cls-1 .. sg-cls-4, etsi-en-303-645, nistir-8425, eu-cra.
    #[arg(long)]
    to: String,
    #[arg(long)]
    json: bool,
}

fn parse_level(s: &str) -> Result<starmark_criteria::Level, String> {
    s.parse()
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    starmark_criteria::date::parse(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
