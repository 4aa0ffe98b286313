//! `vidflow plan`: every task with its status and reason, totals, billable minutes.

use serde::Serialize;

use super::args::PlanArgs;
use super::report_diagnostics;
use crate::engine::outcome::{EXIT_OK, EXIT_TASKS_FAILED};
use crate::engine::prepare;
use crate::plan::{Plan, plan};
use crate::state::{Scope, Store};

#[derive(Serialize)]
struct Report<'a> {
    workflows: &'a [Plan],
}

/// Plans every workflow; exit 0, 2 when a workflow is invalid, 1 when the stored
/// state cannot be read. Makes no network call and writes nothing.
pub fn run(args: &PlanArgs) -> i32 {
    let mut plans = Vec::new();
    let mut worst = EXIT_OK;
    for path in &args.workflows {
        let prepared = match prepare(path) {
            Ok(p) => p,
            Err(diags) => {
                worst = worst.max(report_diagnostics(path, &diags));
                continue;
            }
        };
        match plan(&prepared, &Store::open(&prepared.workflow.dir, Scope::of(args.sim))) {
            Ok(p) => plans.push(p),
            Err(e) => {
                errln!("error: {e}");
                worst = worst.max(EXIT_TASKS_FAILED);
            }
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&Report { workflows: &plans }) {
            Ok(s) => outln!("{s}"),
            Err(e) => errln!("error: cannot encode the plan: {e}"),
        }
    } else {
        plans.iter().for_each(print_plan);
    }
    worst
}

fn print_plan(p: &Plan) {
    outln!("{}", p.workflow);
    let width = p.tasks.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &p.tasks {
        let label = t.status.label();
        let detail = t.reason.strip_prefix(label).map_or(t.reason.as_str(), |r| r.trim_start_matches(": "));
        outln!("  {:<width$}  {label:<9}  {detail}", t.name);
    }
    let n = &p.totals;
    outln!(
        "{}: {} new, {} changed, {} cached, {} in flight, {} retry, {} rejected; \
         {} to submit, {:.2} billable minutes of video{}",
        super::output::count(n.tasks, "task"),
        n.new,
        n.changed,
        n.cached,
        n.in_flight,
        n.retry,
        n.rejected,
        n.to_submit,
        n.billable_minutes,
        match n.unknown_duration {
            0 => String::new(),
            k => format!(" (+ {k} of unknown duration)"),
        }
    );
}
