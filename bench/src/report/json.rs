//! The JSON report: the engine's machine, jobs and tables, with the suite's
//! notes, allocation counts and targets.

use localipc_bench_engine::json::{self, Json};

use crate::suite::Results;
use crate::targets::{Check, Goal};

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
        (
            "targets",
            Json::Array(results.targets.iter().map(target).collect()),
        ),
    ])
    .render()
}

fn target(check: &Check) -> Json {
    let (kind, bound) = match check.goal {
        Goal::AtLeast(least) => ("at_least", least),
        Goal::AtMost(most) => ("at_most", most),
    };
    Json::Object(vec![
        ("target", Json::text(&check.target)),
        (
            "placement",
            check
                .placement
                .map_or(Json::Null, |placement| Json::text(placement.key())),
        ),
        ("value", Json::Number(check.value)),
        (kind, Json::Number(bound)),
        ("met", Json::Bool(check.met())),
    ])
}
