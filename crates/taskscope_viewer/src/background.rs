//! Work off the UI thread: comparisons, predictions and exports.
//!
//! A [`Job`] runs one closure on a named thread and hands its messages back
//! through a channel; the UI thread only polls, once per frame. Dropping a job
//! (e.g. closing the tab it belongs to) drops the receiver: the step running then
//! finishes (a step is not interrupted), its send returns `false`, and work written
//! in steps stops there instead of starting the next; results are discarded.
//! Nothing here decides what the work is or how it is shown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

/// A closure running on its own thread, sending messages of type `T`.
#[derive(Debug)]
pub struct Job<T> {
    what: String,
    messages: mpsc::Receiver<Option<T>>,
    finished: bool,
    /// Set by the thread once the work has returned and everything is sent.
    ended: Arc<AtomicBool>,
}

/// What polling a [`Job`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll<T> {
    /// Nothing new; the job is still working.
    Pending,
    /// A message from the job.
    Message(T),
    /// The job has ended and sent everything it will.
    Finished,
    /// The job's thread stopped without finishing (it panicked); the text says what it was doing.
    Died(String),
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a new thread named `thread_name`. `work` gets a sender for its
    /// messages, which returns whether anybody still wants them (`false` once the job
    /// was dropped: stop then); `repaint` is called after each message and when the
    /// work ends.
    /// `what` names the work in errors ("comparing a.json with b.json").
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn spawn(
        thread_name: &str,
        what: String,
        work: impl FnOnce(&dyn Fn(T) -> bool) + Send + 'static,
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        // `None` is sent last, so a finished job is told apart from a dead one (sender dropped early).
        let (out_tx, out_rx) = mpsc::channel::<Option<T>>();
        let ended = Arc::new(AtomicBool::new(false));
        let thread_ended = Arc::clone(&ended);
        std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                let send = |message: T| {
                    // The receiver is gone if the job was dropped; the result is not wanted then.
                    let wanted = out_tx.send(Some(message)).is_ok();
                    if wanted {
                        repaint();
                    }
                    wanted
                };
                work(&send);
                let _ = out_tx.send(None);
                thread_ended.store(true, Ordering::Release);
                repaint();
            })
            .map_err(|e| format!("could not start a thread for {what}: {e}"))?;
        Ok(Self {
            what,
            messages: out_rx,
            finished: false,
            ended,
        })
    }
}

impl<T> Job<T> {
    /// The next message, if any (call once per frame until it says [`Poll::Finished`]).
    pub fn poll(&mut self) -> Poll<T> {
        if self.finished {
            return Poll::Finished;
        }
        match self.messages.try_recv() {
            Ok(Some(message)) => Poll::Message(message),
            Ok(None) => {
                self.finished = true;
                Poll::Finished
            }
            Err(mpsc::TryRecvError::Empty) => Poll::Pending,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.finished = true;
                Poll::Died(format!("{} stopped unexpectedly", self.what))
            }
        }
    }

    /// Whether the work has returned: everything it sent can be polled now, without
    /// waiting. (Polling is what takes the messages; this only looks.)
    pub fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// What the job does (for progress lines).
    pub fn what(&self) -> &str {
        &self.what
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn drain<T>(job: &mut Job<T>) -> (Vec<T>, Poll<T>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut messages = Vec::new();
        loop {
            match job.poll() {
                Poll::Pending => {
                    assert!(Instant::now() < deadline, "the job did not end");
                    std::thread::sleep(Duration::from_millis(1));
                }
                Poll::Message(m) => messages.push(m),
                end => return (messages, end),
            }
        }
    }

    #[test]
    fn messages_arrive_in_order_then_finished() {
        let mut job = Job::spawn(
            "test-job",
            "counting".into(),
            |send| {
                for i in 0..3 {
                    assert!(send(i));
                }
            },
            || {},
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !job.has_ended() {
            assert!(Instant::now() < deadline, "the job did not end");
            std::thread::sleep(Duration::from_millis(1));
        }
        // Ended: every message is there at once, in order.
        assert_eq!(job.poll(), Poll::Message(0));
        assert_eq!(job.poll(), Poll::Message(1));
        assert_eq!(job.poll(), Poll::Message(2));
        assert_eq!(job.poll(), Poll::Finished);
        assert_eq!(job.poll(), Poll::Finished, "stays finished");
    }

    #[test]
    fn a_panicking_job_is_reported_not_propagated() {
        let mut job: Job<u32> = Job::spawn(
            "test-job",
            "exploding".into(),
            |send| {
                send(1);
                panic!("boom");
            },
            || {},
        )
        .unwrap();
        let (messages, end) = drain(&mut job);
        assert_eq!(messages, vec![1]);
        assert_eq!(end, Poll::Died("exploding stopped unexpectedly".into()));
    }

    #[test]
    fn a_dropped_job_stops_after_the_step_it_is_in() {
        let (started_tx, started_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel();
        let job = Job::spawn(
            "test-job",
            "two steps".into(),
            move |send| {
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                // Step 1 ends after the job was dropped: nobody wants its result...
                let wanted = send(7);
                // ...so step 2 is not started.
                let step_two = wanted && send(8);
                done_tx.send((wanted, step_two)).unwrap();
            },
            || {},
        )
        .unwrap();
        started_rx.recv().unwrap();
        drop(job);
        go_tx.send(()).unwrap();
        // The thread's send to the dropped job fails quietly and the thread ends normally.
        let (wanted, step_two) = done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(!wanted, "a send to a dropped job reports it");
        assert!(!step_two);
    }
}
