//! The sysctls the lookup reads (`rp_filter`, `forwarding` …): `all`, and each device both
//! states have read them for (a device only one has is a link added or removed).

use super::pair::pair;
use super::{FieldChange, Section, Value};
use crate::model::{DeviceSysctls, LinkName, State};

/// The settings of one device, or of `all` when `dev` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceSettings<'a> {
    /// The device, or `None` for `all`.
    pub dev: Option<&'a LinkName>,
    /// Its settings.
    pub values: &'a DeviceSysctls,
}

/// The sysctls of `a` and `b` that differ, `all` first, then by device name. A state with no
/// device's settings never read them (a hand-made or older snapshot): nothing is compared then.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<DeviceSettings<'a>> {
    if a.sysctls.devices.is_empty() || b.sysctls.devices.is_empty() {
        return Section::default();
    }
    let keyed = |s: &'a State, other: &'a State| {
        let all = DeviceSettings {
            dev: None,
            values: &s.sysctls.all,
        };
        let devices = s
            .sysctls
            .devices
            .iter()
            .filter(|(dev, _)| other.sysctls.devices.contains_key(*dev))
            .map(|(dev, values)| DeviceSettings {
                dev: Some(dev),
                values,
            });
        std::iter::once(all)
            .chain(devices)
            .map(|d| (d.dev, d))
            .collect::<Vec<_>>()
    };
    pair(keyed(a, b), keyed(b, a), |x, y| compare(x.values, y.values))
}

/// The settings that differ, each by its sysctl name (`rp_filter`, `ipv6_forwarding` …): the
/// names and values of the settings' own JSON form, so a new setting is compared at once.
fn compare(x: &DeviceSysctls, y: &DeviceSysctls) -> Vec<FieldChange> {
    let (serde_json::Value::Object(before), serde_json::Value::Object(after)) = (
        serde_json::to_value(x).unwrap_or_default(),
        serde_json::to_value(y).unwrap_or_default(),
    ) else {
        return Vec::new();
    };
    before
        .into_iter()
        .filter_map(|(field, was)| {
            let now = after.get(&field)?;
            (was != *now).then(|| FieldChange {
                before: setting(&was),
                after: setting(now),
                field,
            })
        })
        .collect()
}

/// One setting's value: a yes/no, a number, or its text.
fn setting(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Bool(b) => Value::Flag(*b),
        other => other
            .as_u64()
            .map_or_else(|| Value::Word(other.to_string()), Value::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::server;

    #[test]
    fn settings_of_all_and_of_shared_devices() {
        let mut a = server();
        a.sysctls
            .devices
            .insert("eth0".into(), DeviceSysctls::default());
        let mut b = a.clone();
        b.sysctls.all.rp_filter = 2;
        b.sysctls
            .devices
            .get_mut(&LinkName::from("eth0"))
            .expect("eth0")
            .forwarding = true;
        b.sysctls
            .devices
            .insert("eth9".into(), DeviceSysctls::default());
        let d = diff(&a, &b);
        assert!(d.added.is_empty(), "a device only b read is not compared");
        assert_eq!(d.changed.len(), 2);
        assert_eq!(d.changed[0].after.dev, None);
        let f = &d.changed[0].fields[0];
        assert_eq!(
            (f.field.as_str(), &f.before, &f.after),
            ("rp_filter", &Value::Number(0), &Value::Number(2))
        );
        assert_eq!(d.changed[1].fields[0].field, "forwarding");
        assert_eq!(d.changed[1].fields[0].after, Value::Flag(true));
        assert!(
            diff(&server(), &b).is_empty(),
            "settings never read are not compared"
        );
    }
}
