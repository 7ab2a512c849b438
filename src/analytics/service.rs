//! The analytics rules: who may read them (invitation managers; platform admins for every
//! organisation or one), the date range (the last 30 days by default, at most 366 days; daily
//! periods up to 62 days, weekly beyond), and the charts, drawn on the server as SVG by
//! `plotters` with a title and description for screen readers.

use super::{
    dto::{AnalyticsQuery, AnalyticsReport, BreakdownRow, OrganisationChoice, PeriodRow},
    repo,
};
use crate::{
    auth::session::CurrentUser,
    domain::{OrgKind, Role},
    error::{AppError, FieldErrors},
    state::AppState,
};
use plotters::prelude::*;
use time::{macros::format_description, Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// The longest range, in days.
pub const MAX_DAYS: i64 = 366;
/// Ranges up to this many days are shown per day, longer ones per week.
pub const DAILY_UP_TO: i64 = 62;

/// Who may read analytics.
pub fn may_read(user: &CurrentUser) -> bool {
    user.role.can_manage_invitations(user.org_kind)
}

fn parse_day(errs: &mut FieldErrors, field: &'static str, s: &str) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    errs.check(
        field,
        Date::parse(s, format_description!("[year]-[month]-[day]"))
            .map_err(|_| "Enter a date as YYYY-MM-DD."),
    )
}

fn day_text(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The checked range (first and last day, inclusive) and the organisation filter.
struct Range {
    from: Date,
    to: Date,
    org: Option<Uuid>,
}

fn check(user: &CurrentUser, q: &AnalyticsQuery, today: Date) -> Result<Range, AppError> {
    let mut errs = FieldErrors::default();
    let to = parse_day(&mut errs, "to", &q.to).unwrap_or(today);
    let from = parse_day(&mut errs, "from", &q.from).unwrap_or(to - Duration::days(29));
    if to < from {
        errs.add("to", "The last day cannot be before the first.");
    } else if (to - from).whole_days() + 1 > MAX_DAYS {
        errs.add("from", format!("Choose at most {MAX_DAYS} days."));
    }
    let org = if user.is_platform_admin() {
        let o = q.organisation.trim();
        if o.is_empty() {
            None
        } else {
            errs.check(
                "organisation",
                Uuid::parse_str(o).map_err(|_| "Choose an organisation from the list."),
            )
        }
    } else {
        // Everyone else sees their own organisation, whatever the query says.
        Some(user.org_id)
    };
    errs.finish()?;
    Ok(Range { from, to, org })
}

/// The report for `q`.
///
/// # Errors
/// 403 for roles that may not read analytics; 404 for an unknown organisation; 422 per bad
/// field (`from`, `to`, `organisation`); 500 on database failure or a chart that cannot be
/// drawn.
pub async fn report(
    state: &AppState,
    user: &CurrentUser,
    q: &AnalyticsQuery,
) -> Result<AnalyticsReport, AppError> {
    if !may_read(user) {
        return Err(AppError::Forbidden);
    }
    let today = OffsetDateTime::now_utc().date();
    let r = check(user, q, today)?;
    let db = AppError::internal::<sqlx::Error>("computing analytics failed");
    let from = r.from.with_time(Time::MIDNIGHT).assume_utc();
    let until = (r.to + Duration::days(1))
        .with_time(Time::MIDNIGHT)
        .assume_utc();
    let bucket = if (r.to - r.from).whole_days() < DAILY_UP_TO {
        "day"
    } else {
        "week"
    };
    let organisations = if user.is_platform_admin() {
        repo::organisations(&state.pool).await.map_err(db)?
    } else {
        Vec::new()
    };
    let scope = match r.org {
        None => "All organisations".to_owned(),
        Some(id) if id == user.org_id => user.org_name.clone(),
        Some(id) => organisations
            .iter()
            .find(|(o, _)| *o == id)
            .map(|(_, n)| n.clone())
            .ok_or_else(|| AppError::NotFound("There is no such organisation.".into()))?,
    };
    // Six independent reads, each on a pool connection of its own, so the database answers
    // them on every core at once (measured in docs/PERFORMANCE.md, A1).
    let pool = &state.pool;
    let (totals, viewed, periods, roles, inviters, (codes_created, code_redemptions)) =
        futures::try_join!(
            repo::totals(pool, r.org, from, until),
            repo::viewed(pool, r.org, from, until),
            repo::periods(pool, r.org, from, until, bucket),
            repo::by_role(pool, r.org, from, until),
            repo::by_inviter(pool, r.org, from, until),
            repo::codes(pool, r.org, from, until),
        )
        .map_err(db)?;
    let periods: Vec<PeriodRow> = periods
        .into_iter()
        .map(|p| PeriodRow {
            period: day_text(p.period.date()),
            sent: p.sent,
            accepted: p.accepted,
            pending: p.pending,
            expired: p.expired,
            revoked: p.revoked,
        })
        .collect();
    let kind = if user.is_platform_admin() && r.org.is_none() {
        None
    } else {
        Some(user.org_kind)
    };
    let chart = AppError::internal::<String>("drawing a chart failed");
    let funnel_svg = funnel_chart(totals.sent, viewed, totals.accepted).map_err(chart)?;
    let periods_svg = periods_chart(&periods, bucket).map_err(chart)?;
    Ok(AnalyticsReport {
        scope,
        from: day_text(r.from),
        to: day_text(r.to),
        bucket: bucket.to_owned(),
        sent: totals.sent,
        viewed,
        accepted: totals.accepted,
        pending: totals.pending,
        expired: totals.expired,
        revoked: totals.revoked,
        acceptance_rate: (totals.sent > 0).then(|| totals.accepted as f64 / totals.sent as f64),
        median_seconds_to_accept: totals.median_seconds,
        p90_seconds_to_accept: totals.p90_seconds,
        periods,
        by_role: roles
            .into_iter()
            .map(|b| BreakdownRow {
                label: role_label(&b.label, kind),
                sent: b.sent,
                accepted: b.accepted,
            })
            .collect(),
        by_inviter: inviters
            .into_iter()
            .map(|b| BreakdownRow {
                label: b.label,
                sent: b.sent,
                accepted: b.accepted,
            })
            .collect(),
        codes_created,
        code_redemptions,
        funnel_svg,
        periods_svg,
        organisations: organisations
            .into_iter()
            .map(|(id, name)| OrganisationChoice { id, name })
            .collect(),
        organisation: r.org.filter(|_| user.is_platform_admin()),
    })
}

/// A role's label in the organisation's kind, or its wire name across kinds.
fn role_label(wire: &str, kind: Option<OrgKind>) -> String {
    kind.and_then(|k| Role::parse_for(wire, k).ok().map(|r| r.label(k).to_owned()))
        .unwrap_or_else(|| wire.replace('_', " "))
}

/// Adds a title and a description for screen readers to an SVG document (`role="img"`,
/// labelled by both), keeping the drawing as it is.
fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let Some(start) = svg.find("<svg") else {
        return svg.to_owned();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return svg.to_owned();
    };
    format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        &svg[..end],
        escape(title),
        escape(desc),
        &svg[end + 1..]
    )
}

const INDIGO: RGBColor = RGBColor(67, 56, 202);
const GREEN: RGBColor = RGBColor(21, 128, 61);
const AMBER: RGBColor = RGBColor(180, 83, 9);
const GREY: RGBColor = RGBColor(113, 113, 122);
const RED: RGBColor = RGBColor(185, 28, 28);

/// The funnel sent → viewed → accepted as a bar chart.
fn funnel_chart(sent: i64, viewed: i64, accepted: i64) -> Result<String, String> {
    let labels = ["Sent", "Viewed", "Accepted"];
    let values = [sent, viewed, accepted];
    let top = values.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d((0u32..3u32).into_segmented(), 0i64..top + top / 10 + 1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    labels.get(*i as usize).copied().unwrap_or("").to_owned()
                }
                _ => String::new(),
            })
            .y_desc("Invitations")
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let i = i as u32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0),
                        (SegmentValue::Exact(i + 1), *v),
                    ],
                    INDIGO.filled(),
                );
                bar.set_margin(0, 0, 24, 24);
                bar
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(accessible(
        &svg,
        "funnel",
        "Funnel: sent, viewed, accepted",
        &format!("{sent} sent, {viewed} viewed, {accepted} accepted."),
    ))
}

/// One stacked series: its name, colour and the count it takes from a period.
type StatusSeries = (&'static str, RGBColor, fn(&PeriodRow) -> i64);

/// Invitations per period, stacked by their status now.
fn periods_chart(periods: &[PeriodRow], bucket: &str) -> Result<String, String> {
    let n = periods.len().max(1) as u32;
    let top = periods.iter().map(|p| p.sent).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d((0u32..n).into_segmented(), 0i64..top + top / 10 + 1)
            .map_err(|e| e.to_string())?;
        let label_every = (n / 8).max(1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if i % label_every == 0 => periods
                    .get(*i as usize)
                    .map(|p| p.period[5..].to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc("Invitations")
            .draw()
            .map_err(|e| e.to_string())?;
        let statuses: [StatusSeries; 4] = [
            ("Accepted", GREEN, |p| p.accepted),
            ("Pending", INDIGO, |p| p.pending),
            ("Expired", AMBER, |p| p.expired),
            ("Revoked", RED, |p| p.revoked),
        ];
        let mut base = vec![0i64; periods.len()];
        for (name, colour, value) in statuses {
            let bars: Vec<Rectangle<(SegmentValue<u32>, i64)>> = periods
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let (lo, hi) = (base[i], base[i] + value(p));
                    base[i] = hi;
                    let i = i as u32;
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), lo),
                            (SegmentValue::Exact(i + 1), hi),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(0, 0, 2, 2);
                    bar
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    let sent: i64 = periods.iter().map(|p| p.sent).sum();
    Ok(accessible(
        &svg,
        "periods",
        &format!("Invitations per {bucket} by status"),
        &format!(
            "{sent} invitations over {} {bucket}s; the table beside the chart lists each {bucket}.",
            periods.len()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_draw_as_labelled_svg() {
        let svg = funnel_chart(10, 7, 3).unwrap();
        assert!(svg.contains("role=\"img\""), "{svg}");
        assert!(svg.contains("<title id=\"funnel-title\">Funnel: sent, viewed, accepted</title>"));
        assert!(svg.contains("Accepted"));
        let periods = vec![
            PeriodRow {
                period: "2026-12-01".into(),
                sent: 3,
                accepted: 1,
                pending: 1,
                expired: 1,
                revoked: 0,
            },
            PeriodRow {
                period: "2026-12-02".into(),
                sent: 0,
                accepted: 0,
                pending: 0,
                expired: 0,
                revoked: 0,
            },
        ];
        let svg = periods_chart(&periods, "day").unwrap();
        assert!(svg.contains("Invitations per day by status"));
        assert!(svg.contains("12-01"));
        assert!(funnel_chart(0, 0, 0).is_ok(), "an empty range still draws");
    }

    #[test]
    fn a_title_cannot_break_out_of_the_svg() {
        let out = accessible("<svg a=\"1\"><g/></svg>", "x", "<script>", "a & b");
        assert!(out.starts_with("<svg a=\"1\" role=\"img\""));
        assert!(out.contains("&lt;script&gt;") && out.contains("a &amp; b"));
    }
}
