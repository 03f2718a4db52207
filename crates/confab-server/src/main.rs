//! `confab-server`: an OpenAI-compatible mock (`--mock`) for development and tests, or a
//! key-holding streaming proxy in front of a real API (`--upstream`). Either can also serve a
//! directory of static files (the built widget) from the same origin.

mod answer;
mod mock;
mod scenario;
mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use axum::http::{HeaderName, HeaderValue};
use axum::Router;

const USAGE: &str = "\
usage: confab-server --mock [options]
       confab-server --upstream URL [proxy options] [options]

options:
  --host ADDR              address to listen on (default 127.0.0.1)
  --port N                 port (default 8787; 0 picks a free one)
  --static DIR             also serve the files of DIR at /
  --header 'Name: value'   add a header to every response (repeatable; e.g. a Content-Security-Policy)

--mock options:
  --tokens-per-second N    pace of streamed answers (default 40; 0 = as fast as the socket takes them)
  --bytes-per-write N      split each SSE event into writes of N bytes (default 0 = whole events)

  The model name picks a behaviour; see `GET /v1/models` for the list (mock, mock-slow, mock-echo,
  mock-429, mock-429-once, mock-500, mock-drop, ...). Any other name behaves like `mock`.

--upstream URL: forward /v1/chat/completions and /v1/models to the API at URL (e.g.
https://api.openai.com/v1), adding the key, and stream the answers back. Proxy options:
  --key-env NAME           the environment variable that holds the key (default
                           CONFAB_UPSTREAM_KEY; the key is never taken from the command line)
  --auth-header NAME       the header for the key: Authorization (default; sent as a Bearer
                           token) or another name, sent as it is (Azure OpenAI: api-key)
  --model NAME             a model the browser may use (repeatable; default: any)
  --max-tokens N           the most tokens an answer may ask for
  --allow-origin ORIGIN    a page origin allowed to call the proxy (repeatable; * for any;
                           default: only pages served by this server with --static)
  --rate-limit N           chat requests a minute from each client address (default: no limit)
  --trust-forwarded-for    take the client address from X-Forwarded-For, as the one reverse
                           proxy in front of this server adds it (its last address)";

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
    /// `--upstream`: the proxy's settings; `None` for the mock.
    upstream: Option<upstream::Options>,
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
        upstream: None,
    };
    let mut proxy = upstream::Options {
        key_env: "CONFAB_UPSTREAM_KEY".into(),
        auth_header: "authorization".into(),
        ..Default::default()
    };
    let mut proxy_option: Option<&'static str> = None;
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
            "--upstream" => {
                let url = value("--upstream")?;
                let url = url.trim().trim_end_matches('/');
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!("--upstream takes an http(s) URL, not {url:?}"));
                }
                proxy.base = url.to_owned();
            }
            "--key-env" => {
                proxy.key_env = value("--key-env")?;
                proxy_option = Some("--key-env");
            }
            "--auth-header" => {
                proxy.auth_header = value("--auth-header")?;
                HeaderName::try_from(proxy.auth_header.as_str())
                    .map_err(|_| "--auth-header takes a header name")?;
                proxy_option = Some("--auth-header");
            }
            "--model" => {
                proxy.models.push(value("--model")?);
                proxy_option = Some("--model");
            }
            "--max-tokens" => {
                let n = value("--max-tokens")?
                    .parse()
                    .map_err(|_| "--max-tokens takes a number")?;
                proxy.max_tokens = Some(n);
                proxy_option = Some("--max-tokens");
            }
            "--rate-limit" => {
                let n: u32 = value("--rate-limit")?
                    .parse()
                    .map_err(|_| "--rate-limit takes a number")?;
                proxy.rate_limit = Some(n.max(1));
                proxy_option = Some("--rate-limit");
            }
            "--trust-forwarded-for" => {
                proxy.trust_forwarded_for = true;
                proxy_option = Some("--trust-forwarded-for");
            }
            "--allow-origin" => {
                proxy.allow_origins.push(value("--allow-origin")?);
                proxy_option = Some("--allow-origin");
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    match (mock, proxy.base.is_empty()) {
        (true, false) => return Err("--mock and --upstream exclude each other".into()),
        (false, true) => return Err("say --mock or --upstream URL".into()),
        (true, true) => {
            if let Some(option) = proxy_option {
                return Err(format!("{option} is for --upstream"));
            }
        }
        (false, false) => config.upstream = Some(proxy),
    }
    Ok(config)
}

async fn run(config: Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let (app, cors) = match &config.upstream {
        None => (mock::router(&config), Some(mock::cors())),
        Some(options) => {
            let key = std::env::var(&options.key_env)
                .ok()
                .filter(|k| !k.trim().is_empty());
            eprintln!(
                "confab-server: forwarding to {} with {}",
                options.base,
                if key.is_some() {
                    format!("the key in ${}", options.key_env)
                } else {
                    format!("no key (${} is not set)", options.key_env)
                }
            );
            let app = upstream::router(options.clone(), key).map_err(std::io::Error::other)?;
            (app, upstream::cors(options))
        }
    };
    // CORS last, so that it covers the static files too (a page may load the widget from here).
    let mut app = with_static_and_headers(app, &config);
    if let Some(cors) = cors {
        app = app.layer(cors);
    }
    // Tests read this line to learn the port when they pass `--port 0`.
    println!("confab-server listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// `--static` files behind the API routes, and `--header`s on every response.
fn with_static_and_headers(mut app: Router, config: &Config) -> Router {
    if let Some(dir) = &config.static_dir {
        app = app.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    for (name, value) in &config.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            app = app.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                name, value,
            ));
        }
    }
    app
}
