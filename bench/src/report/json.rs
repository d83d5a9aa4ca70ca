//! The JSON report: the engine's machine, jobs and tables, with the suite's
//! notes, allocation counts and targets.

use localipc_bench_engine::json::{self, Json};

use crate::results::Results;

pub(super) fn render(results: &Results) -> String {
    Json::Object(vec![
        ("suite", Json::text("localipc-bench")),
        ("mode", Json::text(results.mode.name())),
        ("rounds", Json::count(results.plan.rounds as u64)),
        ("elapsed_s", Json::Number(results.elapsed.as_secs_f64())),
        ("machine", json::machine(&results.machine)),
        ("jobs", json::jobs(&results.plan)),
        (
            "notes",
            Json::Array(
                super::legend(results)
                    .iter()
                    .map(|line| Json::text(line))
                    .chain(results.pinning_note.map(Json::text))
                    .collect(),
            ),
        ),
        ("placements", json::placements(&results.placements)),
        (
            "allocations",
            Json::Object(vec![
                ("ops", Json::count(u64::from(results.allocation_ops))),
                (
                    "message_size",
                    Json::count(crate::allocations::MESSAGE as u64),
                ),
                (
                    "primitives",
                    Json::Array(
                        results
                            .allocations
                            .iter()
                            .map(|count| {
                                Json::Object(vec![
                                    ("primitive", Json::text(count.primitive)),
                                    ("per_write", Json::Number(count.per_write)),
                                    ("per_read", Json::Number(count.per_read)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
        ("targets", json::targets(&results.targets)),
    ])
    .render()
}
