//! Chrome DevTools' trace engine, reduced to its flows handler.
//!
//! Modelled on `models/trace/handlers/FlowsHandler.js` of `@paulirish/trace_engine`
//! 0.0.65 (the DevTools frontend's trace engine, published to npm), which the node
//! check (`scripts/check_flows_node.sh`) runs for real:
//! - flow events are taken in file order; a flow is grouped by the token
//!   `cat-$-name-$-id`: `s` opens it under its `id`, `t` and `f` join the open one and
//!   `f` closes it (a `t`/`f` with no open flow is ignored);
//! - each flow event binds its flow to the tuple (`ts`, `pid`, `tid`, `cat`), compared
//!   as JavaScript values;
//! - then every other event, in file order, takes the flows bound to its tuple; only the
//!   first event with a given tuple does;
//! - a flow is the list of its events keyed by `ts` (two events with one `ts` leave one),
//!   in the order they were taken; a flow of one event is dropped, and each event
//!   is the initiator of the next.

use std::collections::HashMap;

use super::events::{Event, JsValue};

/// Arrows (initiator event, event), in the engine's order.
pub(crate) fn replay(events: &[Event]) -> Vec<(usize, usize)> {
    let mut open: HashMap<String, JsValue> = HashMap::new();
    // Per binding tuple: the flow ids bound to it (a set, in insertion order), and
    // whether an event took them already.
    let mut bound: HashMap<&[JsValue; 4], (Vec<JsValue>, bool)> = HashMap::new();
    for e in events.iter().filter(|e| e.is_flow()) {
        let token = format!(
            "{}-$-{}-$-{}",
            e.binding[3].js_string(),
            js_text(e.name.as_deref()),
            e.id_js.js_string()
        );
        let id = match e.phase.as_str() {
            "s" => {
                open.insert(token, e.id_js.clone());
                e.id_js.clone()
            }
            "t" => match open.get(&token) {
                Some(id) => id.clone(),
                None => continue,
            },
            _ => match open.remove(&token) {
                Some(id) => id,
                None => continue,
            },
        };
        let (ids, _) = bound.entry(&e.binding).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    // Each flow: its events keyed by ts, in insertion order.
    let mut flow_order: Vec<JsValue> = Vec::new();
    let mut flows: HashMap<JsValue, Vec<(JsValue, usize)>> = HashMap::new();
    for e in events.iter().filter(|e| !e.is_flow()) {
        let Some((ids, taken)) = bound.get_mut(&e.binding) else {
            continue;
        };
        if *taken {
            continue;
        }
        *taken = true;
        for id in ids.iter() {
            let flow = flows.entry(id.clone()).or_insert_with(|| {
                flow_order.push(id.clone());
                Vec::new()
            });
            let ts = e.binding[0].clone();
            match flow.iter_mut().find(|(t, _)| *t == ts) {
                // `Map.set` on a present key: the value changes, the position does not.
                Some(slot) => slot.1 = e.index,
                None => flow.push((ts, e.index)),
            }
        }
    }
    let mut arrows = Vec::new();
    for id in &flow_order {
        let Some(flow) = flows.get(id) else {
            continue;
        };
        for pair in flow.windows(2) {
            if let [(_, from), (_, to)] = pair {
                arrows.push((*from, *to));
            }
        }
    }
    arrows
}

/// A string field in a template string: `undefined` when absent.
fn js_text(text: Option<&str>) -> &str {
    text.unwrap_or("undefined")
}
