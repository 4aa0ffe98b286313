//! `vidflow status`: the stored state of each task; `--refresh` asks the API about
//! unfinished ones and stores results that became ready (design §1).

use serde::Serialize;
use serde_json::json;

use super::args::{StatusArgs, Tuning};
use super::report_diagnostics;
use super::run::{connect, dir_of};
use crate::api::Client;
use crate::api::wire::TaskStatus;
use crate::engine::outcome::{EXIT_API, EXIT_OK};
use crate::engine::prepare;
use crate::state::{Scope, StateError, Store};

/// One task's stored state.
#[derive(Debug, Serialize)]
struct Line {
    task: String,
    key: String,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// Whether the current key has a stored ready result.
    result: bool,
}

/// Prints each workflow's tasks with status, task id and message; exit 0, 2 for
/// an invalid workflow, 3 when `--refresh` cannot reach the API.
pub async fn status(args: &StatusArgs) -> i32 {
    let client = if args.refresh {
        match connect(&args.api_url, false, &Tuning::default()).await {
            Ok((client, ..)) => Some(client),
            Err(e) => {
                errln!("error: {e}");
                return EXIT_API;
            }
        }
    } else {
        None
    };
    let mut docs = Vec::new();
    for path in &args.workflows {
        let p = match prepare(path) {
            Ok(p) => p,
            Err(diags) => return report_diagnostics(path, &diags),
        };
        let store = if args.refresh {
            match Store::lock(dir_of(path), &p.workflow.name, Scope::of(args.sim)) {
                Ok(s) => s,
                Err(e) => {
                    errln!("error: {e}");
                    return EXIT_API;
                }
            }
        } else {
            Store::open(dir_of(path), Scope::of(args.sim))
        };
        let mut lines = Vec::new();
        for t in &p.tasks {
            let line = match line_of(&store, &t.name, &t.key, client.as_ref()).await {
                // A task whose video breaks the input requirements is never sent:
                // say so, as `plan` and `run` do, rather than `new`.
                Ok(l)
                    if l.status == "new"
                        && let Some(reasons) = p.rejected.get(&t.name) =>
                {
                    Line { status: "rejected".into(), message: Some(reasons.join("; ")), ..l }
                }
                Ok(l) => l,
                Err(e) => {
                    errln!("error: {e}");
                    return EXIT_API;
                }
            };
            lines.push(line);
        }
        if args.json {
            docs.push(json!({"workflow": p.workflow.file, "tasks": lines}));
            continue;
        }
        outln!("{}", p.workflow.file.display());
        let width = lines.iter().map(|l| l.task.len()).max().unwrap_or(0);
        for l in &lines {
            let id = l.task_id.as_deref().unwrap_or("-");
            let msg = l.message.as_deref().unwrap_or("");
            let line = format!("  {:<width$}  {:<11}  {id:<24}  {msg}", l.task, l.status);
            outln!("{}", line.trim_end());
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&json!({"workflows": docs})) {
            Ok(s) => outln!("{s}"),
            Err(e) => errln!("error: cannot encode the report: {e}"),
        }
    }
    EXIT_OK
}

async fn line_of(store: &Store, name: &str, key: &str, client: Option<&Client>) -> Result<Line, StateError> {
    let result = store.result(key)?;
    let mut line = Line {
        task: name.to_owned(),
        key: key.to_owned(),
        status: "new".into(),
        task_id: None,
        message: None,
        result: result.is_some(),
    };
    let Some(mut record) = store.record(key)? else {
        if let Some(r) = result {
            line.status = r.status.as_str().to_owned();
            line.task_id = Some(r.task_id);
        }
        return Ok(line);
    };
    if result.is_none()
        && let (Some(client), Some(id)) = (client, record.task_id.clone())
        && !matches!(record.status.as_str(), "ready" | "failed")
    {
        match client.retrieve_task(&id).await {
            Ok(task) => {
                record.status = task.status.as_str().to_owned();
                record.error = task.error.as_ref().map(|e| e.message.clone());
                if task.status == TaskStatus::Ready && task.result.is_some() {
                    store.save_result(key, &task)?;
                    line.result = true;
                } else if task.status.is_terminal() {
                    record.status = "failed".into();
                }
                store.save_record(&record)?;
            }
            Err(e) if e.status() == Some(404) => line.message = Some("no longer exists on the server".into()),
            Err(e) => line.message = Some(format!("refresh failed: {e}")),
        }
    }
    line.status = record.status.clone();
    line.task_id = record.task_id.clone();
    if line.message.is_none() {
        line.message = record.error.clone();
    }
    Ok(line)
}
