//! Cooperative interruption (design §5, Ctrl-C): once cancelled, no new create is
//! sent and running tasks stop waiting; their records stay on disk so the next run
//! adopts them.

use tokio::sync::watch;

/// Cancels a run; held by whoever listens for Ctrl-C.
#[derive(Debug)]
pub struct CancelHandle(watch::Sender<bool>);

impl CancelHandle {
    /// Asks every [`Cancel`] of this pair to stop.
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

/// Tells a run whether it has been interrupted. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cancel(watch::Receiver<bool>);

impl Cancel {
    /// A linked handle and token.
    pub fn pair() -> (CancelHandle, Self) {
        let (tx, rx) = watch::channel(false);
        (CancelHandle(tx), Self(rx))
    }

    /// A token that is never cancelled.
    pub fn never() -> Self {
        Self::pair().1
    }

    /// Whether the run was interrupted.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancelled (never, if the handle is gone uncancelled).
    pub async fn cancelled(&self) {
        let mut rx = self.0.clone();
        loop {
            if *rx.borrow_and_update() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Self::never()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_wakes_waiters_and_never_does_not() {
        let (handle, token) = Cancel::pair();
        let waiter = tokio::spawn({
            let t = token.clone();
            async move { t.cancelled().await }
        });
        assert!(!token.is_cancelled());
        handle.cancel();
        assert!(waiter.await.is_ok());
        assert!(token.is_cancelled());
        let never = Cancel::never();
        let timed = tokio::time::timeout(std::time::Duration::from_millis(20), never.cancelled()).await;
        assert!(timed.is_err());
    }
}
