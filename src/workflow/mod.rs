//! The workflow language (design §2): schema (serde types), load (meaning and
//! diagnostics), check (templates compile), expand (tasks, `custom_id`, task key).
//! Pure apart from reading the files a workflow names.

pub mod check;
pub mod expand;
pub mod images;
pub mod load;
pub mod model;
pub mod schema;
pub mod tree;

pub use expand::{PlannedOutput, PlannedTask, expand};
pub use load::{load, load_partial};
pub use model::Workflow;
