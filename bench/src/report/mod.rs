//! The reports: a table on stdout, Markdown and JSON files, and the plot
//! if asked for. The text table and the Markdown show the same blocks and
//! cells, which `blocks.rs` makes; this module writes the files.

mod blocks;
mod json;
mod markdown;
mod table;

use std::fs;
use std::io;
use std::path::Path;

use localipc_bench_engine::plot;

use crate::args::Settings;
use crate::results::Results;

/// Prints the table and writes the files `settings` name.
pub(crate) fn write_all(results: &Results, settings: &Settings) -> io::Result<()> {
    print!("{}", table::render(results));
    write_file(&settings.json, &json::render(results))?;
    write_file(&settings.markdown, &markdown::render(results))?;
    println!(
        "\nwritten: {} and {}",
        settings.json.display(),
        settings.markdown.display()
    );
    if let Some(path) = &settings.plot {
        let title = format!(
            "localipc-bench, {} run on {}: each contender against its family's baseline",
            results.mode.name(),
            results.machine.os
        );
        let facts = plot::Facts {
            when: results.finished,
            machine: &results.machine,
            mode: results.mode.name(),
            rounds: results.plan.rounds,
        };
        write_file(path, &plot::svg(&title, &facts, &results.placements))?;
        eprintln!("wrote plot to {}", path.display());
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)
        .map_err(|error| io::Error::new(error.kind(), format!("{}: {error}", path.display())))
}
