//! The widget's configuration, parsed and validated once where it enters.

use confab_core::{Params, ValidationError};

/// Everything the widget needs to know to talk to a server.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetConfig {
    /// Base URL of the API, without a trailing slash: requests go to `{endpoint}/chat/completions`.
    pub endpoint: String,
    pub model: String,
    /// Sent only as `Authorization: Bearer …` to the endpoint; never logged or stored here.
    pub api_key: Option<String>,
    pub system_prompt: Option<String>,
    pub title: String,
    pub placeholder: String,
    pub params: Params,
    /// Problems found while reading the configuration; shown in the widget, defaults used.
    pub problems: Vec<ValidationError>,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        WidgetConfig {
            endpoint: "/v1".to_owned(),
            model: "mock".to_owned(),
            api_key: None,
            system_prompt: None,
            title: "Confab".to_owned(),
            placeholder: "Type a message…".to_owned(),
            params: Params::default(),
            problems: Vec::new(),
        }
    }
}

impl WidgetConfig {
    /// Applies one setting by its attribute name. A bad value is recorded as a problem and the
    /// previous (default) value stays.
    pub fn set(&mut self, name: &str, value: &str) {
        let value_trimmed = value.trim();
        match name {
            "endpoint" => {
                if value_trimmed.is_empty() {
                    self.problem(name, "must not be empty");
                } else {
                    self.endpoint = value_trimmed.trim_end_matches('/').to_owned();
                }
            }
            "model" => {
                if value_trimmed.is_empty() {
                    self.problem(name, "must not be empty");
                } else {
                    self.model = value_trimmed.to_owned();
                }
            }
            "api-key" | "api_key" | "apiKey" => {
                self.api_key = Some(value_trimmed.to_owned()).filter(|k| !k.is_empty())
            }
            "system-prompt" | "system_prompt" | "systemPrompt" => {
                self.system_prompt = Some(value.to_owned()).filter(|p| !p.trim().is_empty())
            }
            "title" => self.title = value.to_owned(),
            "placeholder" => self.placeholder = value.to_owned(),
            _ => {
                if let Err(e) = self.params.set(name, value) {
                    self.problems.push(e);
                }
            }
        }
    }

    fn problem(&mut self, field: &str, message: &str) {
        self.problems.push(ValidationError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    /// Reads `?endpoint=…&model=…` (and any other setting) from the page's URL. The endpoint
    /// defaults to the page's own origin's `/v1`.
    pub fn from_page_query() -> WidgetConfig {
        let mut config = WidgetConfig::default();
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return config;
        };
        if let Ok(origin) = location.origin() {
            config.endpoint = format!("{origin}/v1");
        }
        let search = location.search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
            for (key, value) in query_pairs(&params) {
                config.set(&key, &value);
            }
        }
        config
    }

    pub fn completions_url(&self) -> String {
        format!("{}/chat/completions", self.endpoint)
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
