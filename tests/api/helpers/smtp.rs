//! A real SMTP server for tests: the `mailin` crate's SMTP state machine on a loopback socket,
//! collecting every message it accepts.

use mailin::{Action, Handler, Response, SessionBuilder};
use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// A running sink; `messages` holds each accepted message's raw data.
pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<String>>>,
}

struct Collect {
    current: Vec<u8>,
    messages: Arc<Mutex<Vec<String>>>,
    /// How many more messages to turn away with `421` (service not available) at the end of
    /// their data, as a provider over its rate limit does.
    refusals: Arc<AtomicUsize>,
}

impl Handler for Collect {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let msg = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        let refuse = self
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refuse {
            return Response::custom(421, "sink.test busy, try again later".to_owned());
        }
        self.messages.lock().unwrap().push(msg);
        mailin::response::OK
    }
}

impl SmtpSink {
    /// How many accepted messages mention `recipient` in their `To:` header.
    pub fn count_to(&self, recipient: &str) -> usize {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.contains(&format!("To: {recipient}")))
            .count()
    }

    /// The first accepted message whose data mentions `recipient`, waiting up to `secs`.
    pub async fn message_to(&self, recipient: &str, secs: u64) -> Option<String> {
        for _ in 0..secs * 10 {
            let found = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .find(|m| m.contains(&format!("To: {recipient}")))
                .cloned();
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }
}

/// Starts a sink on 127.0.0.1:`port` (0 picks a free port).
pub fn start_sink(port: u16) -> SmtpSink {
    start_refusing_sink(port, 0)
}

/// Starts a sink that answers the first `refusals` messages `421` and accepts the rest.
pub fn start_refusing_sink(port: u16, refusals: usize) -> SmtpSink {
    let refusals = Arc::new(AtomicUsize::new(refusals));
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP sink");
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let shared = messages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let messages = shared.clone();
            let refusals = refusals.clone();
            std::thread::spawn(move || {
                let ip = stream.peer_addr().unwrap().ip();
                let mut session = SessionBuilder::new("sink.test").build(
                    ip,
                    Collect {
                        current: Vec::new(),
                        messages,
                        refusals,
                    },
                );
                if session.greeting().write_to(&mut stream).is_err() {
                    return;
                }
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let res = session.process(&line);
                    match res.action {
                        Action::Reply if res.write_to(&mut stream).is_err() => return,
                        Action::Close => {
                            let _ = res.write_to(&mut stream);
                            let _ = stream.flush();
                            return;
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    SmtpSink { port, messages }
}

/// A port with nothing listening on it (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
