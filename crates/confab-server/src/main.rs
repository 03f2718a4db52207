//! `confab-server`: an OpenAI-compatible mock (`--mock`) for development and tests, which can
//! also serve a directory of static files (the built widget) from the same origin.

mod answer;
mod mock;
mod scenario;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: confab-server --mock [options]

  --host ADDR              address to listen on (default 127.0.0.1)
  --port N                 port (default 8787; 0 picks a free one)
  --static DIR             also serve the files of DIR at /
  --tokens-per-second N    pace of streamed answers (default 40; 0 = as fast as the socket takes them)
  --bytes-per-write N      split each SSE event into writes of N bytes (default 0 = whole events)
  --header 'Name: value'   add a header to every response (repeatable; e.g. a Content-Security-Policy)

The model name picks a behaviour; see `GET /v1/models` for the list (mock, mock-slow, mock-echo,
mock-429, mock-429-once, mock-500, mock-drop, ...). Any other name behaves like `mock`.";

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("confab-server: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("confab-server: {e}");
            ExitCode::FAILURE
        }
    }
}

pub struct Config {
    host: String,
    port: u16,
    static_dir: Option<PathBuf>,
    pub pace: mock::Pace,
    headers: Vec<(String, String)>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config {
        host: "127.0.0.1".into(),
        port: 8787,
        static_dir: None,
        pace: mock::Pace {
            tokens_per_second: 40.0,
            bytes_per_write: 0,
        },
        headers: Vec::new(),
    };
    let mut mock = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--mock" => mock = true,
            "--host" => config.host = value("--host")?,
            "--port" => {
                config.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a number")?
            }
            "--static" => config.static_dir = Some(value("--static")?.into()),
            "--tokens-per-second" => {
                config.pace.tokens_per_second = value("--tokens-per-second")?
                    .parse()
                    .map_err(|_| "--tokens-per-second takes a number")?
            }
            "--bytes-per-write" => {
                config.pace.bytes_per_write = value("--bytes-per-write")?
                    .parse()
                    .map_err(|_| "--bytes-per-write takes a number")?
            }
            "--header" => {
                let h = value("--header")?;
                let (name, val) = h.split_once(':').ok_or("--header takes 'Name: value'")?;
                config
                    .headers
                    .push((name.trim().to_owned(), val.trim().to_owned()));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !mock {
        return Err("only --mock mode exists so far".into());
    }
    Ok(config)
}

async fn run(config: Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let app = mock::router(&config);
    // Tests read this line to learn the port when they pass `--port 0`.
    println!("confab-server listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
