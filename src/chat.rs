//! The chat's reactive state and what the user can do with it: send, stop, and the request
//! lifecycle (streaming, automatic retry of rate-limited requests).
//!
//! Each message lives in its own signal, so a streamed token notifies only its own bubble; the
//! list signal changes only when a message is added or removed.

use confab_core::adapt::Adaptations;
use confab_core::api::ChatCompletionRequest;
use confab_core::conversation::request_messages;
use confab_core::retry::{backoff_ms, MAX_RETRIES, MAX_WAIT_MS};
use confab_core::versions::{self, Versions};
use confab_core::{ChatError, Message, MessageId, Role, StreamEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::coalesce::Coalesced;
use crate::config::WidgetConfig;
use crate::timing::sleep_ms;
use crate::transport::{self, Outcome, Received};

/// What the chat tells its embedder (events, persistence).
pub enum ChatEvent<'a> {
    /// The user sent a message.
    Sent(&'a str),
    /// An answer ended: done, stopped, incomplete or failed.
    Finished(&'a Message),
    /// The conversation changed: a message added, removed, edited, or another alternative or
    /// version shown.
    Changed,
    /// An answer started, or text of it arrived (saved at most once a second).
    Streamed,
}

type Listener = std::rc::Rc<dyn Fn(ChatEvent)>;

/// A message and the signal that holds it.
/// A message in the conversation: its id, and the signal that holds it. The signal is the
/// identity: ids restart in each conversation, signals are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessageHandle {
    pub id: MessageId,
    pub data: RwSignal<Message>,
}

/// A rate-limited request waiting to be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryWait {
    pub message: MessageId,
    /// Whole seconds left, for the countdown.
    pub seconds_left: u32,
    pub attempt: u32,
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub messages: RwSignal<Vec<MessageHandle>>,
    /// Whether an answer is being requested or streamed.
    pub busy: RwSignal<bool>,
    pub retry: RwSignal<Option<RetryWait>>,
    pub config: RwSignal<WidgetConfig>,
    /// A problem outside any one message (storage), shown above the conversation.
    pub notice: RwSignal<Option<String>>,
    /// The last finished answer, for the polite live region (tokens are not announced).
    pub announcement: RwSignal<String>,
    /// What is typed in the composer and not sent yet. It lives here, not in the composer, so
    /// it survives the composer (Settings and History replace it while they are open).
    pub draft: RwSignal<String>,
    /// What the last Clear removed, while it can still be undone (until something is sent or
    /// another conversation is opened).
    pub cleared: RwSignal<Option<Vec<Message>>>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    next_id: StoredValue<MessageId>,
    /// How many times the conversation was replaced by [`Chat::restore`].
    restores: StoredValue<u32>,
    listener: StoredValue<Option<Listener>, LocalStorage>,
    /// What the server at this completions URL was found to want changed in requests (a
    /// parameter it does not know, or takes under another name).
    adapted: StoredValue<Option<(String, Adaptations)>>,
    /// The owner the chat was made in. Message signals are created in it, not in whatever
    /// component handled the event that made them: a Regenerate button's owner is disposed
    /// with the answer it belonged to, and the new answer must outlive it.
    owner: StoredValue<Owner>,
}

impl Chat {
    pub fn new(config: WidgetConfig) -> Chat {
        Chat {
            messages: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            retry: RwSignal::new(None),
            config: RwSignal::new(config),
            notice: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            draft: RwSignal::new(String::new()),
            cleared: RwSignal::new(None),
            abort: StoredValue::new_local(None),
            next_id: StoredValue::new(0),
            restores: StoredValue::new(0),
            listener: StoredValue::new_local(None),
            adapted: StoredValue::new(None),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        }
    }

    fn message_signal(&self, message: Message) -> RwSignal<Message> {
        self.owner.with_value(|o| o.with(|| RwSignal::new(message)))
    }

    /// Sets the one listener that hears about sends, finished answers and changes.
    pub fn set_listener(&self, listener: impl Fn(ChatEvent) + 'static) {
        self.listener.set_value(Some(std::rc::Rc::new(listener)));
    }

    fn emit(&self, event: ChatEvent) {
        // Cloned out first, so a listener may use the chat freely.
        if let Some(l) = self.listener.try_with_value(|l| l.clone()).flatten() {
            l(event);
        }
    }

    /// All messages, as they are now.
    pub fn snapshot(&self) -> Vec<Message> {
        self.messages
            .try_with_untracked(|v| {
                v.iter()
                    .filter_map(|h| h.data.try_get_untracked())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Chooses which alternative of an answer the conversation continues with.
    pub fn select_alternative(&self, id: MessageId, position: usize) {
        if let Some(h) = self
            .messages
            .with_untracked(|v| v.iter().find(|h| h.id == id).copied())
        {
            h.data.update(|m| m.select(position));
            self.emit(ChatEvent::Changed);
        }
    }

    fn push(&self, message: Message) -> MessageHandle {
        let handle = MessageHandle {
            id: message.id,
            data: self.message_signal(message),
        };
        self.messages.update(|v| v.push(handle));
        handle
    }

    fn fresh_id(&self) -> MessageId {
        self.next_id.update_value(|n| *n += 1);
        self.next_id.get_value()
    }

    /// Sends what the user typed. Returns false (and does nothing) while an answer is still
    /// coming or when the text is blank, so the caller keeps the draft.
    pub fn send(&self, text: &str) -> bool {
        self.send_version(text, None)
    }

    fn send_version(&self, text: &str, versions: Option<Versions>) -> bool {
        if self.busy.get_untracked() || text.trim().is_empty() {
            return false;
        }
        if self.cleared.with_untracked(Option::is_some) {
            self.cleared.set(None);
        }
        let id = self.fresh_id();
        let mut message = Message::text(id, Role::User, text);
        message.versions = versions.map(Box::new);
        self.push(message);
        self.emit(ChatEvent::Sent(text));
        self.request_reply(None);
        true
    }

    /// Takes the messages from `pos` on out of the conversation.
    fn split_off(&self, pos: usize) -> Vec<Message> {
        let mut tail = Vec::new();
        let mut removed = Vec::new();
        self.messages
            .update(|v| removed = v.split_off(pos.min(v.len())));
        tail.extend(removed.iter().filter_map(|h| h.data.try_get_untracked()));
        dispose(removed);
        tail
    }

    fn position(&self, id: MessageId) -> Option<usize> {
        self.messages
            .with_untracked(|v| v.iter().position(|h| h.id == id))
    }

    /// Shows another version of the conversation from message `id` on (see
    /// `confab_core::versions`), and returns the id of the message now in its place. Not while
    /// an answer is coming.
    pub fn switch_version(&self, id: MessageId, target: usize) -> Option<MessageId> {
        if self.busy.get_untracked() {
            return None;
        }
        let pos = self.position(id)?;
        let tail: Vec<MessageHandle> = versions::switch(self.split_off(pos), target)
            .into_iter()
            .map(|m| MessageHandle {
                id: m.id,
                data: self.message_signal(m),
            })
            .collect();
        let now = tail.first().map(|h| h.id);
        self.messages.update(|v| v.extend(tail));
        self.emit(ChatEvent::Changed);
        now
    }

    /// Stops the answer being streamed (or a pending retry); what arrived is kept.
    ///
    /// The answer is marked stopped at once, not when its request has wound down: what is saved
    /// next (a conversation switched away from, cleared, or left with the page) reads as
    /// stopped by the user, never as ended early by the server.
    pub fn stop(&self) {
        self.abort.try_with_value(|c| {
            if let Some(c) = c {
                c.abort();
            }
        });
        self.messages.try_with_untracked(|list| {
            for h in list {
                if h.data.try_with_untracked(Message::is_streaming) == Some(true) {
                    h.data.update(Message::stop);
                }
            }
        });
    }

    /// Replaces the conversation with `messages` (restored history). An answer that was still
    /// streaming when it was saved can never finish now: it is marked incomplete.
    pub fn restore(&self, messages: Vec<Message>) {
        self.stop();
        if self.cleared.with_untracked(Option::is_some) {
            self.cleared.set(None);
        }
        // Ids stay unique across versions too: a version shown later keeps its ids.
        let max_id = confab_core::message::max_id(&messages);
        let handles = messages
            .into_iter()
            .map(|mut m| {
                if m.is_streaming() {
                    m.end_stream(false);
                }
                MessageHandle {
                    id: m.id,
                    data: self.message_signal(m),
                }
            })
            .collect();
        self.next_id.set_value(max_id);
        self.restores.update_value(|n| *n += 1);
        let old = self.messages.try_update(|v| std::mem::replace(v, handles));
        dispose(old.into_iter().flatten());
    }

    /// How many times the conversation was replaced as a whole (restored, or another one opened):
    /// a list that changes without this changing is the same conversation, edited.
    pub fn restores(&self) -> u32 {
        self.restores.get_value()
    }

    /// Deletes one message (not one that is still streaming).
    pub fn delete(&self, id: MessageId) {
        let streaming = self.messages.with_untracked(|v| {
            v.iter()
                .any(|h| h.id == id && h.data.with_untracked(|m| m.is_streaming()))
        });
        if streaming {
            return;
        }
        let mut removed = Vec::new();
        self.messages.update(|v| {
            let (gone, kept) = std::mem::take(v).into_iter().partition(|h| h.id == id);
            removed = gone;
            *v = kept;
        });
        dispose(removed);
        self.emit(ChatEvent::Changed);
    }

    /// Replaces a user message with `text` and asks again. What followed is replaced, and kept
    /// as an earlier version.
    pub fn edit_and_resend(&self, id: MessageId, text: &str) -> bool {
        if self.busy.get_untracked() || text.trim().is_empty() {
            return false;
        }
        let Some(pos) = self.position(id) else {
            return false;
        };
        let versions = versions::supersede(self.split_off(pos));
        self.send_version(text, versions)
    }

    /// Removes every message, stopping an answer in progress; [`Chat::undo_clear`] brings them
    /// back.
    pub fn clear(&self) {
        self.stop();
        let removed = self.snapshot();
        if removed.is_empty() {
            return;
        }
        let old = self.messages.try_update(std::mem::take);
        dispose(old.into_iter().flatten());
        self.cleared.set(Some(removed));
        self.emit(ChatEvent::Changed);
    }

    /// Brings back what the last Clear removed.
    pub fn undo_clear(&self) {
        if let Some(messages) = self.cleared.try_update(Option::take).flatten() {
            self.restore(messages);
            self.emit(ChatEvent::Changed);
        }
    }

    /// Asks again for the last answer. The last assistant message is replaced, and kept as an
    /// earlier version.
    pub fn regenerate(&self) {
        if self.busy.get_untracked() {
            return;
        }
        let last_answer = self.messages.with_untracked(|v| {
            v.last()
                .filter(|h| h.data.with_untracked(|m| m.role == Role::Assistant))
                .map(|_| v.len() - 1)
        });
        let versions = last_answer.and_then(|pos| versions::supersede(self.split_off(pos)));
        if self.messages.with_untracked(|v| !v.is_empty()) {
            self.request_reply(versions);
        }
    }

    /// Continues an answer that the length limit cut off; the new text is appended to it.
    pub fn continue_answer(&self, id: MessageId) {
        if self.busy.get_untracked() {
            return;
        }
        let Some(handle) = self
            .messages
            .with_untracked(|v| v.iter().find(|h| h.id == id).copied())
        else {
            return;
        };
        // The request includes the cut-off text as the last assistant message.
        let request = self.build_request();
        handle.data.update(|m| m.begin_continuation());
        self.stream_into(handle.data, request);
    }

    fn build_request(&self) -> ChatCompletionRequest {
        let config = self.config.get_untracked();
        let history: Vec<Message> = self
            .messages
            .with_untracked(|v| v.iter().map(|h| h.data.get_untracked()).collect());
        let mut request = ChatCompletionRequest {
            model: config.model.clone(),
            messages: request_messages(config.system_prompt.as_deref(), &history),
            ..Default::default()
        };
        config.params.apply_to(&mut request);
        self.adaptations(&config.completions_url())
            .apply(&mut request);
        request
    }

    /// What the server at `url` was found to want changed in requests.
    fn adaptations(&self, url: &str) -> Adaptations {
        self.adapted
            .with_value(|a| a.as_ref().filter(|(u, _)| u == url).map(|(_, a)| *a))
            .unwrap_or_default()
    }

    /// Learns from `error` what the server at `url` wants changed; when that is something new,
    /// `request` is changed accordingly (and later requests will be) and true returned.
    fn adapt(&self, url: &str, request: &mut ChatCompletionRequest, error: &ChatError) -> bool {
        let mut learned = self.adaptations(url);
        if !learned.learn(request, error) {
            return false;
        }
        learned.apply(request);
        self.adapted.set_value(Some((url.to_owned(), learned)));
        true
    }

    fn request_reply(&self, versions: Option<Versions>) {
        let request = self.build_request();
        let id = self.fresh_id();
        let mut pending = Message::pending_reply(id);
        pending.versions = versions.map(Box::new);
        let reply = self.push(pending).data;
        // Saved like streamed text: a send has just been saved (`Sent`), and what a
        // regenerated answer replaces is still in the saved copy until the new one is.
        self.emit(ChatEvent::Streamed);
        self.stream_into(reply, request);
    }

    /// Sends `request` and streams the answer into `reply`, retrying rate-limited attempts.
    fn stream_into(&self, reply: RwSignal<Message>, mut request: ChatCompletionRequest) {
        let chat = *self;
        let config = self.config.get_untracked();
        let id = reply.with_untracked(|m| m.id);
        let Ok(controller) = AbortController::new() else {
            reply.update(|m| {
                m.fail(ChatError::Network(
                    "this browser cannot cancel requests".into(),
                ))
            });
            return;
        };
        let signal = controller.signal();
        self.abort.set_value(Some(controller));
        self.busy.set(true);
        let started = js_sys::Date::now();

        spawn_local(async move {
            let url = config.completions_url();
            let streamed = Coalesced::new(reply);
            let mut attempt = 0;
            loop {
                let outcome = transport::send(
                    &url,
                    &config.request_headers(),
                    &request,
                    &signal,
                    |update| {
                        streamed.update(|m| apply(m, update));
                        chat.emit(ChatEvent::Streamed);
                    },
                )
                .await;
                match outcome {
                    Outcome::Finished { saw_done } => reply.update(|m| {
                        if m.is_streaming() {
                            m.end_stream(saw_done)
                        }
                    }),
                    Outcome::Aborted => reply.update(|m| m.stop()),
                    // A server that refused a parameter it does not know, or takes under
                    // another name, gets the request again as it wants it (see `adapt`).
                    Outcome::Failed(e) if chat.adapt(&url, &mut request, &e) => continue,
                    Outcome::Failed(e) if e.is_rate_limit() && attempt < MAX_RETRIES => {
                        attempt += 1;
                        let wait = e.retry_after_ms().unwrap_or_else(|| backoff_ms(attempt));
                        if wait <= MAX_WAIT_MS && chat.count_down(id, attempt, wait, &signal).await
                        {
                            continue;
                        }
                        reply.update(|m| {
                            if signal.aborted() {
                                m.stop();
                                m.error = Some(e);
                            } else {
                                m.fail(e)
                            }
                        });
                    }
                    Outcome::Failed(e) => reply.update(|m| m.fail(e)),
                }
                break;
            }
            reply.update(|m| m.elapsed_ms = Some((js_sys::Date::now() - started).max(0.0) as u64));
            chat.retry.set(None);
            chat.abort.set_value(None);
            chat.busy.set(false);
            // The widget may be gone by now (destroyed while the request wound down): then
            // there is no one to tell.
            reply.try_with_untracked(|m| {
                chat.announcement.set(announce(m));
                chat.emit(ChatEvent::Finished(m));
            });
        });
    }

    /// Shows a countdown on the message while waiting `wait_ms`; false if the user cancelled.
    async fn count_down(
        &self,
        message: MessageId,
        attempt: u32,
        wait_ms: u64,
        signal: &web_sys::AbortSignal,
    ) -> bool {
        let deadline = js_sys::Date::now() + wait_ms as f64;
        loop {
            if signal.aborted() {
                self.retry.set(None);
                return false;
            }
            let left = deadline - js_sys::Date::now();
            if left <= 0.0 {
                self.retry.set(None);
                return true;
            }
            self.retry.set(Some(RetryWait {
                message,
                seconds_left: (left / 1000.0).ceil() as u32,
                attempt,
            }));
            sleep_ms(left.min(250.0) as i32).await;
        }
    }
}

/// What the live region says when an answer ends.
fn announce(m: &Message) -> String {
    let text: String = m.content().chars().take(1000).collect();
    match (&m.error, text.is_empty()) {
        (Some(e), _) => format!("Answer ended with an error: {}", e.user_message()),
        (None, true) => "The answer is empty.".to_owned(),
        (None, false) => format!("Answer: {text}"),
    }
}

/// Frees the signals of messages that left the conversation, once their rows have gone: the
/// list's update reaches the view in effects that run before the next task, and until then a
/// row may still read its message. A request still winding down for one of them writes into
/// nothing (updates of a disposed signal are no-ops; its reads use the `try_` forms).
fn dispose(handles: impl IntoIterator<Item = MessageHandle>) {
    let handles: Vec<MessageHandle> = handles.into_iter().collect();
    if handles.is_empty() {
        return;
    }
    set_timeout(
        move || {
            for h in handles {
                h.data.dispose();
            }
        },
        std::time::Duration::ZERO,
    );
}

fn apply(m: &mut Message, update: Received) {
    // Stopped by the user: what the network still had buffered is not added after the fact.
    if !m.is_streaming() {
        return;
    }
    match update {
        Received::Completion(c) => m.apply_completion(c),
        Received::Events(events) => {
            for event in events {
                match event {
                    StreamEvent::Chunk(c) => m.apply_chunk(&c),
                    StreamEvent::Done => {}
                    StreamEvent::Error(e) => m.fail(e),
                }
            }
        }
    }
}
