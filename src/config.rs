//! The widget's configuration, parsed and validated once where it enters: the page's query
//! string, the script tag's data attributes, the element's attributes, or a JS object — all
//! with the same names.

use confab_core::{Params, ValidationError};

/// How the widget sits on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A floating button that opens the chat panel.
    Launcher,
    /// The panel in the page's flow, where the element is.
    Inline,
    /// The panel fills the viewport.
    Fullpage,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Launcher => "launcher",
            Mode::Inline => "inline",
            Mode::Fullpage => "fullpage",
        }
    }
}

/// Where the launcher and its panel sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::BottomRight => "bottom-right",
            Position::BottomLeft => "bottom-left",
            Position::TopRight => "top-right",
            Position::TopLeft => "top-left",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// Follows `prefers-color-scheme`.
    Auto,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// Where the conversation is kept between page loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Local,
    Session,
    None,
}

/// Every setting's name, as attributes spell them.
pub const NAMES: &[&str] = &[
    "endpoint",
    "model",
    "api-key",
    "auth-header",
    "headers",
    "system-prompt",
    "title",
    "greeting",
    "placeholder",
    "mode",
    "position",
    "theme",
    "accent",
    "stream",
    "temperature",
    "top-p",
    "n",
    "stop",
    "max-tokens",
    "presence-penalty",
    "frequency-penalty",
    "logit-bias",
    "user",
    "include-usage",
    "extra-body",
    "persist",
    "storage-key",
    "images",
];

/// Everything the widget needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetConfig {
    /// Base URL of the API, without a trailing slash: requests go to `{endpoint}/chat/completions`.
    pub endpoint: String,
    pub model: String,
    /// Sent only to the endpoint (see [`WidgetConfig::key_header`]); never logged or stored here.
    pub api_key: Option<String>,
    /// The header that carries the key: unset chooses by endpoint (`api-key` for Azure,
    /// otherwise `Authorization: Bearer`); see `confab_core::auth`.
    pub auth_header: Option<String>,
    /// Further request headers (`headers`), sent only to the endpoint, like the key.
    pub headers: Vec<(String, String)>,
    pub system_prompt: Option<String>,
    pub title: String,
    /// Shown in the empty conversation.
    pub greeting: Option<String>,
    pub placeholder: String,
    pub mode: Mode,
    pub position: Position,
    pub theme: Theme,
    /// A CSS colour for buttons and the user's bubbles.
    pub accent: Option<String>,
    pub params: Params,
    pub persist: Persist,
    pub storage_key: String,
    /// Show `http(s)` images from answers (otherwise they appear as links).
    pub images: bool,
    /// Problems found while reading the configuration, one per setting; shown in the widget
    /// and on the console, with the default used instead.
    pub problems: Vec<ValidationError>,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        WidgetConfig {
            endpoint: "/v1".to_owned(),
            model: "mock".to_owned(),
            api_key: None,
            auth_header: None,
            headers: Vec::new(),
            system_prompt: None,
            title: "Confab".to_owned(),
            greeting: None,
            placeholder: "Type a message…".to_owned(),
            mode: Mode::Launcher,
            position: Position::BottomRight,
            theme: Theme::Auto,
            accent: None,
            params: Params::default(),
            persist: Persist::Local,
            storage_key: "confab".to_owned(),
            images: true,
            problems: Vec::new(),
        }
    }
}

/// Accepts `apiKey`, `api_key` and `api-key` alike.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.trim().chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out.strip_prefix("data-").map(str::to_owned).unwrap_or(out)
}

impl WidgetConfig {
    /// Applies one setting by name. `None` (an attribute removed, a `null` value) restores the
    /// default. A bad value is recorded as a problem naming the setting, and the default stays.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let name = normalize(name);
        self.problems.retain(|p| normalize(&p.field) != name);
        let Some(value) = value else {
            self.reset(&name);
            return;
        };
        let v = value.trim();
        let result: Result<(), String> = match name.as_str() {
            "endpoint" if v.is_empty() => Err("must not be empty".into()),
            "endpoint" => match endpoint_problem(v) {
                Some(problem) => Err(problem),
                None => {
                    self.endpoint = v.trim_end_matches('/').to_owned();
                    Ok(())
                }
            },
            "model" if v.is_empty() => Err("must not be empty".into()),
            "model" => {
                self.model = v.to_owned();
                Ok(())
            }
            "api-key" => {
                self.api_key = Some(v.to_owned()).filter(|k| !k.is_empty());
                Ok(())
            }
            "auth-header" if v.is_empty() => {
                self.auth_header = None;
                Ok(())
            }
            "auth-header" if !confab_core::auth::is_header_name(v) => {
                Err("must be an HTTP header name, such as api-key".into())
            }
            "auth-header" => {
                self.auth_header = Some(v.to_owned());
                Ok(())
            }
            "headers" if v.is_empty() => {
                self.headers = Vec::new();
                Ok(())
            }
            "headers" => confab_core::auth::parse_headers(v).map(|h| self.headers = h),
            "system-prompt" => {
                self.system_prompt = Some(value.to_owned()).filter(|p| !p.trim().is_empty());
                Ok(())
            }
            "title" => {
                self.title = value.to_owned();
                Ok(())
            }
            "greeting" => {
                self.greeting = Some(value.to_owned()).filter(|g| !g.trim().is_empty());
                Ok(())
            }
            "placeholder" => {
                self.placeholder = value.to_owned();
                Ok(())
            }
            "mode" => match v {
                "launcher" => {
                    let _: () = self.mode = Mode::Launcher;
                    Ok(())
                }
                "inline" => {
                    let _: () = self.mode = Mode::Inline;
                    Ok(())
                }
                "fullpage" => {
                    let _: () = self.mode = Mode::Fullpage;
                    Ok(())
                }
                _ => Err(format!(
                    "must be launcher, inline or fullpage (got “{value}”)"
                )),
            },
            "position" => match v {
                "bottom-right" => {
                    let _: () = self.position = Position::BottomRight;
                    Ok(())
                }
                "bottom-left" => {
                    let _: () = self.position = Position::BottomLeft;
                    Ok(())
                }
                "top-right" => {
                    let _: () = self.position = Position::TopRight;
                    Ok(())
                }
                "top-left" => {
                    let _: () = self.position = Position::TopLeft;
                    Ok(())
                }
                _ => Err(format!(
                    "must be bottom-right, bottom-left, top-right or top-left (got “{value}”)"
                )),
            },
            "theme" => match v {
                "light" => {
                    let _: () = self.theme = Theme::Light;
                    Ok(())
                }
                "dark" => {
                    let _: () = self.theme = Theme::Dark;
                    Ok(())
                }
                "auto" | "" => {
                    let _: () = self.theme = Theme::Auto;
                    Ok(())
                }
                _ => Err(format!("must be light, dark or auto (got “{value}”)")),
            },
            "accent" => {
                if v.is_empty() {
                    self.accent = None;
                    Ok(())
                } else if is_css_colour(v) {
                    self.accent = Some(v.to_owned());
                    Ok(())
                } else {
                    Err(format!("must be a CSS colour (got “{value}”)"))
                }
            }
            "persist" => match v {
                "local" => {
                    let _: () = self.persist = Persist::Local;
                    Ok(())
                }
                "session" => {
                    let _: () = self.persist = Persist::Session;
                    Ok(())
                }
                "none" => {
                    let _: () = self.persist = Persist::None;
                    Ok(())
                }
                _ => Err(format!("must be local, session or none (got “{value}”)")),
            },
            "images" => match v {
                "true" | "" => {
                    let _: () = self.images = true;
                    Ok(())
                }
                "false" => {
                    let _: () = self.images = false;
                    Ok(())
                }
                _ => Err(format!("must be true or false (got “{value}”)")),
            },
            "storage-key" if v.is_empty() => Err("must not be empty".into()),
            "storage-key" => {
                self.storage_key = v.to_owned();
                Ok(())
            }
            _ => self.params.set(&name, value).map_err(|e| e.message),
        };
        if let Err(message) = result {
            self.problems.push(ValidationError {
                field: name,
                message,
            });
        }
    }

    /// A setting's current value as text (what `set` would take); empty when unset.
    pub fn get(&self, name: &str) -> String {
        match normalize(name).as_str() {
            "endpoint" => self.endpoint.clone(),
            "model" => self.model.clone(),
            "api-key" => self.api_key.clone().unwrap_or_default(),
            "auth-header" => self.auth_header.clone().unwrap_or_default(),
            "headers" if self.headers.is_empty() => String::new(),
            "headers" => {
                let headers: serde_json::Map<String, serde_json::Value> = self
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().into()))
                    .collect();
                serde_json::Value::Object(headers).to_string()
            }
            "system-prompt" => self.system_prompt.clone().unwrap_or_default(),
            "title" => self.title.clone(),
            "greeting" => self.greeting.clone().unwrap_or_default(),
            "placeholder" => self.placeholder.clone(),
            "mode" => self.mode.as_str().to_owned(),
            "position" => self.position.as_str().to_owned(),
            "theme" => self.theme.as_str().to_owned(),
            "accent" => self.accent.clone().unwrap_or_default(),
            "storage-key" => self.storage_key.clone(),
            "images" => self.images.to_string(),
            "persist" => match self.persist {
                Persist::Local => "local",
                Persist::Session => "session",
                Persist::None => "none",
            }
            .to_owned(),
            other => self.params.get(other),
        }
    }

    /// The problem with a setting, if its last value was refused.
    pub fn problem(&self, name: &str) -> Option<String> {
        let name = normalize(name);
        self.problems
            .iter()
            .find(|p| normalize(&p.field) == name)
            .map(|p| format!("`{}` {}", p.field, p.message))
    }

    fn reset(&mut self, name: &str) {
        let d = WidgetConfig::default();
        match name {
            "endpoint" => self.endpoint = d.endpoint,
            "model" => self.model = d.model,
            "api-key" => self.api_key = None,
            "auth-header" => self.auth_header = None,
            "headers" => self.headers = Vec::new(),
            "system-prompt" => self.system_prompt = None,
            "title" => self.title = d.title,
            "greeting" => self.greeting = None,
            "placeholder" => self.placeholder = d.placeholder,
            "mode" => self.mode = d.mode,
            "position" => self.position = d.position,
            "theme" => self.theme = d.theme,
            "accent" => self.accent = None,
            "persist" => self.persist = d.persist,
            "storage-key" => self.storage_key = d.storage_key,
            "images" => self.images = true,
            other => {
                let _ = self.params.set(
                    other,
                    if other == "stream" || other == "include-usage" {
                        "true"
                    } else {
                        ""
                    },
                );
            }
        }
    }

    /// Reads `?endpoint=…&model=…` (and any other setting) from the page's URL. The endpoint
    /// defaults to the page's own origin's `/v1`.
    pub fn from_page_query() -> WidgetConfig {
        let mut config = WidgetConfig {
            mode: Mode::Inline,
            ..WidgetConfig::default()
        };
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return config;
        };
        if let Ok(origin) = location.origin() {
            config.endpoint = format!("{origin}/v1");
        }
        let search = location.search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
            for (key, value) in query_pairs(&params) {
                config.set(&key, Some(&value));
            }
        }
        config
    }

    /// `{endpoint}/chat/completions`, keeping a query string (Azure's `?api-version=…`) at the
    /// end. An endpoint given with `/chat/completions` already is taken as it is.
    /// The header (name, value) that carries the API key, if there is one.
    /// Every header a request to the endpoint carries beyond its content type: the `headers`
    /// setting's, then the key's (which wins over one of the same name).
    pub fn request_headers(&self) -> Vec<(String, String)> {
        let mut all = self.headers.clone();
        if let Some((name, value)) = self.key_header() {
            all.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
            all.push((name, value));
        }
        all
    }

    pub fn key_header(&self) -> Option<(String, String)> {
        let key = self.api_key.as_deref().filter(|k| !k.is_empty())?;
        Some(confab_core::auth::key_header(
            &self.endpoint,
            self.auth_header.as_deref(),
            key,
        ))
    }

    pub fn completions_url(&self) -> String {
        join_path(&self.endpoint, "chat/completions")
    }

    /// `{endpoint}/models`, the same way.
    pub fn models_url(&self) -> String {
        join_path(
            self.endpoint.trim_end_matches("/chat/completions"),
            "models",
        )
    }
}

/// Why `endpoint` cannot be an API's address, if it cannot: it must be an http(s) URL or a
/// path on the page's own site.
fn endpoint_problem(endpoint: &str) -> Option<String> {
    let lower = endpoint.to_ascii_lowercase();
    let url = ["http://", "https://"]
        .iter()
        .find_map(|s| lower.strip_prefix(s));
    let ok = match url {
        Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
        None => ["/", "./", "../"].iter().any(|s| endpoint.starts_with(s)),
    } && !endpoint.contains(char::is_whitespace);
    if ok {
        return None;
    }
    // A host written without its scheme ("localhost:11434/v1", "api.example.com/v1").
    let host = endpoint.split('/').next().unwrap_or_default();
    let looks_like_host = (host.contains('.') || host.contains(':') || host == "localhost")
        && !lower.contains("://")
        && !endpoint.contains(char::is_whitespace);
    let hint = if url.is_none() && looks_like_host {
        format!("; did you mean http://{endpoint}?")
    } else {
        String::new()
    };
    Some(format!(
        "must be an http(s) URL such as https://api.openai.com/v1, or a path on this site such as /v1 (got “{endpoint}”{hint})"
    ))
}

fn join_path(endpoint: &str, path: &str) -> String {
    let (base, query) = match endpoint.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (endpoint, None),
    };
    let base = base.trim_end_matches('/');
    let url = if base.ends_with(&format!("/{path}")) {
        base.to_owned()
    } else {
        format!("{base}/{path}")
    };
    match query {
        Some(q) => format!("{url}?{q}"),
        None => url,
    }
}

/// Whether the browser understands `value` as a colour. Outside a browser (native tests),
/// anything non-empty without `;{}` is taken.
fn is_css_colour(value: &str) -> bool {
    if value.contains([';', '{', '}']) {
        return false;
    }
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::css::supports_with_value("color", value).unwrap_or(false)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        true
    }
}

fn query_pairs(params: &web_sys::UrlSearchParams) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let keys = js_sys::Array::from(&params.keys().into());
    for key in keys.iter().filter_map(|k| k.as_string()) {
        if let Some(value) = params.get(&key) {
            out.push((key, value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_is_a_url_or_a_path() {
        for ok in [
            "https://api.openai.com/v1",
            "HTTP://localhost:11434/v1",
            "/v1",
            "./api/v1",
            "../v1",
        ] {
            assert_eq!(endpoint_problem(ok), None, "{ok}");
        }
        for bad in ["not a url", "ftp://x/v1", "https:///v1", "http://", "v1"] {
            assert!(endpoint_problem(bad).is_some(), "{bad}");
        }
        assert!(!endpoint_problem("v1").unwrap().contains("did you mean"));
        assert!(endpoint_problem("api.example.com/v1")
            .unwrap()
            .contains("did you mean http://api.example.com/v1?"));
        assert!(endpoint_problem("localhost:11434/v1")
            .unwrap()
            .ends_with("(got “localhost:11434/v1”; did you mean http://localhost:11434/v1?)"));
        let mut c = WidgetConfig::default();
        c.set("endpoint", Some("ftp://x/v1"));
        assert_eq!(c.endpoint, "/v1", "the default is kept");
        assert_eq!(c.problems.len(), 1);
    }

    #[test]
    fn urls_from_endpoints_as_people_write_them() {
        let url = |e: &str| {
            let mut c = WidgetConfig::default();
            c.set("endpoint", Some(e));
            (c.completions_url(), c.models_url())
        };
        assert_eq!(
            url("https://api.openai.com/v1"),
            (
                "https://api.openai.com/v1/chat/completions".into(),
                "https://api.openai.com/v1/models".into()
            )
        );
        assert_eq!(
            url("https://api.openai.com/v1/"),
            (
                "https://api.openai.com/v1/chat/completions".into(),
                "https://api.openai.com/v1/models".into()
            )
        );
        assert_eq!(
            url("http://localhost:8080/v1/chat/completions").0,
            "http://localhost:8080/v1/chat/completions"
        );
        assert_eq!(
            url("https://r.openai.azure.com/openai/deployments/gpt4o?api-version=2024-06-01").0,
            "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01"
        );
    }

    #[test]
    fn the_key_goes_in_the_header_the_endpoint_or_the_setting_asks_for() {
        let mut c = WidgetConfig::default();
        assert_eq!(c.key_header(), None, "no key, no header");
        c.set(
            "headers",
            Some(r#"{"X-Title": "site", "Authorization": "Bearer other"}"#),
        );
        assert_eq!(c.problem("headers"), None);
        assert_eq!(c.request_headers().len(), 2);
        c.set("headers", Some(r#"{"Accept": "x"}"#));
        assert!(c.problem("headers").is_some(), "refused");
        assert_eq!(c.request_headers().len(), 2, "the previous headers stay");
        c.set("headers", None);
        assert!(c.request_headers().is_empty());
        c.set("api-key", Some("k1"));
        assert_eq!(
            c.key_header(),
            Some(("Authorization".into(), "Bearer k1".into()))
        );
        // The key wins over a header of the same name in `headers`.
        c.set(
            "headers",
            Some(r#"{"authorization": "Bearer other", "X-Title": "t"}"#),
        );
        assert_eq!(
            c.request_headers(),
            vec![
                ("X-Title".to_owned(), "t".to_owned()),
                ("Authorization".to_owned(), "Bearer k1".to_owned())
            ]
        );
        c.set("headers", None);
        c.set("endpoint", Some("https://r.openai.azure.com/openai/v1"));
        assert_eq!(c.key_header(), Some(("api-key".into(), "k1".into())));
        c.set("auth-header", Some("Authorization"));
        assert_eq!(
            c.key_header(),
            Some(("Authorization".into(), "Bearer k1".into()))
        );
        c.set("auth-header", Some("x api key"));
        assert_eq!(c.auth_header.as_deref(), Some("Authorization"), "kept");
        assert!(c.problem("auth-header").is_some());
        c.set("auth-header", None);
        assert_eq!(c.key_header(), Some(("api-key".into(), "k1".into())));
    }

    #[test]
    fn names_in_every_spelling() {
        for n in ["apiKey", "api_key", "api-key", "data-api-key"] {
            assert_eq!(normalize(n), "api-key");
        }
        assert_eq!(normalize("topP"), "top-p");
    }

    #[test]
    fn a_bad_value_is_a_problem_naming_the_setting_and_the_default_stays() {
        let mut c = WidgetConfig::default();
        c.set("mode", Some("sideways"));
        c.set("temperature", Some("9"));
        assert_eq!(c.mode, Mode::Launcher);
        let fields: Vec<&str> = c.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["mode", "temperature"]);
        // Fixing a setting clears its problem.
        c.set("mode", Some("inline"));
        assert_eq!(c.mode, Mode::Inline);
        assert_eq!(c.problems.len(), 1);
        // Removing it restores the default.
        c.set("mode", None);
        assert_eq!(c.mode, Mode::Launcher);
    }
}
