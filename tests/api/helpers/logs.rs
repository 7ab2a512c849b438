//! Captures every log line and span field the app emits in this test process, as JSON lines
//! (the production JSON format), so tests can check what reaches the logs.

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};
use tracing_subscriber::{fmt::MakeWriter, EnvFilter};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

static CAPTURE: OnceLock<Buffer> = OnceLock::new();

/// Installs the capturing subscriber once per process: everything the app logs at DEBUG and
/// above (the test's own HTTP client excepted), with the fields of every enclosing span.
pub fn install() {
    CAPTURE.get_or_init(|| {
        let buffer = Buffer::default();
        let filter =
            EnvFilter::new("debug,reqwest=warn,hyper=warn,hyper_util=warn,h2=warn,mailin=warn");
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(filter)
            .with_writer(buffer.clone())
            .try_init()
            .expect("the capturing subscriber is the first one");
        buffer
    });
}

/// Everything captured so far.
pub fn captured() -> String {
    let buffer = CAPTURE.get().expect("logs::install ran");
    String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned()
}
