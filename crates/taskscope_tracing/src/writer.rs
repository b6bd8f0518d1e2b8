//! The writer thread: takes the threads' records, keeps the streaming file up to date and
//! writes the final file.
//!
//! It wakes up when a thread hands over a full buffer, when the guard asks for a flush or
//! the end, and when the next snapshot of the streaming file is due. A snapshot first
//! takes what every thread's buffer holds (see `shared`), then writes the whole trace so
//! far with the trace crate's writer ([`Trace::save`]: a temporary file renamed over the
//! streaming file, so the streaming file is always a complete trace). After a snapshot
//! that took `t`, the next one waits at least `10 t`: the writer spends at most a tenth of
//! its time rewriting.
//!
//! At the end it stops recording, takes everything (buffers, then the channel: a chunk is
//! sent while its buffer is locked, so nothing is in flight once every buffer was locked),
//! writes the final file the same way and removes the streaming file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use taskscope_trace::{RunMeta, Trace};

use crate::Error;
use crate::assemble::Assembler;
use crate::builder::TaskscopeLayerBuilder;
use crate::guard::TaskscopeGuard;
use crate::layer::TaskscopeLayer;
use crate::record::Record;
use crate::shared::{Msg, Shared, Slot};

/// The writer's fixed settings.
struct Config {
    /// The final file.
    path: PathBuf,
    /// The streaming file beside it.
    partial: PathBuf,
    /// Shown by viewers.
    title: String,
    /// How often the streaming file is rewritten, at most.
    stream_interval: Option<Duration>,
    /// Unix time at the origin, ns.
    started_at_unix_ns: Option<i64>,
    /// Raw clock reading at the origin.
    origin_raw: u64,
}

/// Starts recording as `builder` says (see [`TaskscopeLayerBuilder::build`]).
pub(crate) fn start(builder: &TaskscopeLayerBuilder) -> (TaskscopeLayer, TaskscopeGuard) {
    let path = builder.path.clone().unwrap_or_else(default_path);
    let clock = quanta::Clock::new();
    let config = Config {
        partial: partial_path(&path),
        title: builder.title.clone().unwrap_or_else(program_name),
        stream_interval: builder.stream_interval,
        started_at_unix_ns: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_nanos()).ok()),
        origin_raw: clock.raw(),
        path,
    };
    let assembler = Assembler::new(builder.locations, builder.max_file_size, &config.title);
    let inert = |error: Error, path: PathBuf| {
        let shared = Arc::new(Shared::new(builder.options.clone(), clock.clone(), None));
        (
            TaskscopeLayer {
                shared: Arc::clone(&shared),
            },
            TaskscopeGuard::failed(path, shared, error),
        )
    };
    if let Err(error) = check_writable(&config.partial) {
        return inert(error, config.path);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let shared = Arc::new(Shared::new(
        builder.options.clone(),
        clock.clone(),
        Some(tx.clone()),
    ));
    let path = config.path.clone();
    let partial = config.partial.clone();
    let thread_shared = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("taskscope-tracing writer".to_owned())
        .spawn(move || run(&thread_shared, &rx, config, assembler));
    match spawned {
        Ok(handle) => (
            TaskscopeLayer {
                shared: Arc::clone(&shared),
            },
            TaskscopeGuard::new(path, partial, shared, tx, handle),
        ),
        Err(source) => {
            let _ = std::fs::remove_file(&partial);
            inert(
                Error::Spawn {
                    path: path.clone(),
                    source,
                },
                path,
            )
        }
    }
}

/// `run.partial.json` beside `run.json` (`trace.partial` beside `trace`).
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "trace".into(), |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}.partial.{}", ext.to_string_lossy()),
        None => format!("{stem}.partial"),
    };
    path.with_file_name(name)
}

/// Creates and removes a file beside `path`, so that a directory the trace cannot be
/// written to is reported when recording starts, not at the end. (Cheaper than writing an
/// empty trace: no sync, which would delay the program's start by a disk flush.)
fn check_writable(path: &Path) -> Result<(), Error> {
    let probe = path.with_file_name(format!(
        ".{}.{}.probe",
        path.file_name()
            .map_or_else(|| "trace".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(|source| taskscope_trace::FormatError::Io {
            path: probe.clone(),
            action: "creating a file beside the trace",
            source,
        })?;
    // Best effort: an empty probe left behind is harmless.
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// `trace-<unix seconds>.json` in the working directory.
fn default_path() -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PathBuf::from(format!("trace-{secs}.json"))
}

/// The program's file name, without directories (or "tracing" when unknown).
fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .map(Path::new)
        .and_then(Path::file_name)
        .map_or_else(
            || "tracing".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
}

/// Builds the trace of everything accepted so far and saves it atomically at `path`.
fn write_snapshot(
    assembler: &Assembler,
    config: &Config,
    path: &Path,
    now_ns: u64,
) -> Result<(), Error> {
    let meta = RunMeta {
        title: Some(config.title.clone()),
        wall_ns: now_ns,
        started_at_unix_ns: config.started_at_unix_ns,
        origin_ns: config.started_at_unix_ns.unwrap_or(0),
        ..RunMeta::default()
    };
    let trace: Trace = assembler
        .build(now_ns, meta)
        .map_err(|source| Error::Model {
            path: config.path.clone(),
            source,
        })?;
    trace.save(path)?;
    Ok(())
}

/// The writer thread's state.
struct Writer<'a> {
    shared: &'a Shared,
    config: Config,
    assembler: Assembler,
    /// Something was accepted since the last snapshot.
    dirty: bool,
    /// When the next snapshot may be written.
    next_snapshot: Option<Instant>,
}

/// The writer thread's loop (see the module docs).
fn run(shared: &Arc<Shared>, rx: &Receiver<Msg>, config: Config, assembler: Assembler) {
    let mut w = Writer {
        next_snapshot: config.stream_interval.map(|i| Instant::now() + i),
        shared,
        config,
        assembler,
        dirty: false,
    };
    loop {
        let msg = match w.next_snapshot {
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(Msg::Chunk { slot, records }) => w.ingest(&slot, records),
            Ok(Msg::Flush(reply)) => {
                w.drain();
                let result = w.snapshot();
                let _ = reply.send(result);
            }
            Ok(Msg::Finish(reply)) => {
                let result = w.finish(rx);
                let _ = reply.send(result);
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                w.drain();
                if w.dirty {
                    // A failed snapshot is noted in the final file; the next one may work.
                    if let Err(error) = w.snapshot() {
                        w.assembler.note(format!(
                            "the streaming file could not always be written: {}",
                            crate::error::with_causes(&error)
                        ));
                    }
                } else {
                    w.schedule(Duration::ZERO);
                }
            }
            // Only the guard and the layer send; both gone means nobody can finish the file.
            Err(RecvTimeoutError::Disconnected) => {
                let _ = w.finish(rx);
                return;
            }
        }
    }
}

/// Converts raw clock readings of `shared`'s clock to ns from `origin_raw`.
fn to_ns(shared: &Shared, origin_raw: u64) -> impl Fn(u64) -> u64 + '_ {
    move |raw| shared.clock.delta_as_nanos(origin_raw, raw)
}

impl Writer<'_> {
    fn now_ns(&self) -> u64 {
        to_ns(self.shared, self.config.origin_raw)(self.shared.clock.raw())
    }

    /// Takes in `records` and hands the emptied buffer back to the threads.
    fn ingest(&mut self, slot: &Slot, mut records: Vec<Record>) {
        if records.is_empty() {
            self.shared.give_back(records);
            return;
        }
        self.dirty = true;
        let ns = to_ns(self.shared, self.config.origin_raw);
        self.assembler
            .ingest(slot.lane, slot.thread_name.as_deref(), &mut records, &ns);
        self.shared.give_back(records);
        if self.assembler.is_full() {
            self.shared.set_full();
        }
    }

    /// Takes what every thread's buffer holds, and the stacks of entered spans.
    fn drain(&mut self) {
        let slots: Vec<Arc<Slot>> = self.shared.slots.lock().clone();
        // A slot only the registry (and this copy) holds belongs to a thread that ended:
        // drained now, it is complete and can be let go.
        let ended: Vec<bool> = slots.iter().map(|s| Arc::strong_count(s) <= 2).collect();
        for slot in &slots {
            let fresh = self.shared.buffer();
            let (records, stack) = {
                let mut buffer = slot.buffer.lock();
                if buffer.records.is_empty() {
                    // Nothing to take: keep the thread's buffer (and its room).
                    self.shared.give_back(fresh);
                    (Vec::new(), buffer.stack.clone())
                } else {
                    (
                        std::mem::replace(&mut buffer.records, fresh),
                        buffer.stack.clone(),
                    )
                }
            };
            self.ingest(slot, records);
            let ns = to_ns(self.shared, self.config.origin_raw);
            self.assembler
                .set_open(slot.lane, slot.thread_name.as_deref(), &stack, &ns);
        }
        if ended.iter().any(|e| *e) {
            let mut registry = self.shared.slots.lock();
            registry.retain(|s| {
                !slots
                    .iter()
                    .zip(&ended)
                    .any(|(old, ended)| *ended && Arc::ptr_eq(old, s))
            });
        }
        if self.assembler.is_full() {
            self.shared.set_full();
        }
    }

    /// Rewrites the streaming file.
    fn snapshot(&mut self) -> Result<(), Error> {
        let started = Instant::now();
        let result = write_snapshot(
            &self.assembler,
            &self.config,
            &self.config.partial,
            self.now_ns(),
        );
        self.dirty = false;
        self.schedule(started.elapsed());
        result
    }

    /// Sets the next snapshot's time after one that took `cost`.
    fn schedule(&mut self, cost: Duration) {
        self.next_snapshot = self
            .config
            .stream_interval
            .map(|interval| Instant::now() + interval.max(cost * 10));
    }

    /// Stops recording, takes everything and writes the final file.
    fn finish(&mut self, rx: &Receiver<Msg>) -> Result<(), Error> {
        self.shared.set_finished();
        self.drain();
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Chunk { slot, records } => self.ingest(&slot, records),
                Msg::Flush(reply) | Msg::Finish(reply) => {
                    let _ = reply.send(Ok(()));
                }
            }
        }
        let now_ns = self.now_ns();
        let result = write_snapshot(&self.assembler, &self.config, &self.config.path, now_ns);
        if result.is_ok() {
            // A leftover streaming file is harmless; the final file is what matters.
            let _ = std::fs::remove_file(&self.config.partial);
        }
        self.shared.slots.lock().clear();
        result
    }
}
