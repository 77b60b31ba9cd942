//! Tests of the SVG figures: render into a temporary directory, check that the file is well
//! formed XML, and count what was drawn (bars, whiskers, points) and the texts (title, axis
//! descriptions, series and group names).

use driver::figures::fill::lighten;
use driver::figures::style::hex;
use driver::figures::{
    BarChart, DEFAULT_SIZE, FigureError, LineChart, PALETTE, StackedBarChart, Whisker,
    series_color_hex, write_atomic,
};
use std::path::Path;

/// A minimal XML well-formedness check (what an SVG viewer needs): one root element, tags
/// balanced and properly nested, attributes quoted, `<` never in text, `&` only in entities.
/// Returns the element names in document order.
fn check_xml(doc: &str) -> Result<Vec<String>, String> {
    fn check_entities(text: &str, at: usize) -> Result<(), String> {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            let tail = &rest[i + 1..];
            let end = tail.find(';').ok_or(format!("bare & at {at}"))?;
            let ent = &tail[..end];
            let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || ent
                    .strip_prefix("#x")
                    .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                || ent
                    .strip_prefix('#')
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("bad entity &{ent}; at {at}"));
            }
            rest = &tail[end + 1..];
        }
        Ok(())
    }
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut roots = 0;
    let mut pos = 0;
    let b = doc.as_bytes();
    while pos < b.len() {
        if b[pos] != b'<' {
            let end = doc[pos..].find('<').map_or(doc.len(), |i| pos + i);
            let text = &doc[pos..end];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root at {pos}"));
            }
            check_entities(text, pos)?;
            pos = end;
            continue;
        }
        if doc[pos..].starts_with("<?") {
            pos += doc[pos..].find("?>").ok_or("unclosed <?")? + 2;
            continue;
        }
        if doc[pos..].starts_with("<!--") {
            pos += doc[pos..].find("-->").ok_or("unclosed comment")? + 3;
            continue;
        }
        let end = pos
            + doc[pos..]
                .find('>')
                .ok_or(format!("unclosed tag at {pos}"))?;
        let tag = &doc[pos + 1..end];
        pos = end + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or(format!("</{name}> without an open element"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad element name {name:?}"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = tag[name_end..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or(format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if attr.is_empty() || attr.contains(char::is_whitespace) {
                return Err(format!("bad attribute name {attr:?} in <{name}>"));
            }
            let v = attrs[eq + 1..].trim_start();
            let q = v.chars().next().ok_or("missing attribute value")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted attribute {attr} in <{name}>"));
            }
            let close = v[1..]
                .find(q)
                .ok_or(format!("unterminated attribute {attr}"))?;
            let value = &v[1..1 + close];
            if value.contains('<') {
                return Err(format!("< in attribute {attr}"));
            }
            check_entities(value, pos)?;
            attrs = v[close + 2..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.to_string());
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(names)
}

/// The SVG text of `path`, checked to be well formed, with an `<svg>` root.
fn read_svg(path: &Path) -> String {
    let svg = std::fs::read_to_string(path).unwrap();
    let names =
        check_xml(&svg).unwrap_or_else(|e| panic!("{}: not well formed: {e}", path.display()));
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    svg
}

/// The `<text>` contents, unescaped.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let start = t.find('>').unwrap() + 1;
            let end = t.find("</text>").unwrap();
            t[start..end]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .collect()
}

/// `<rect>`s filled with `color` (`#RRGGBB`).
fn rects_filled(svg: &str, color: &str) -> usize {
    let fill = format!("fill=\"{color}\"");
    svg.lines()
        .filter(|l| l.starts_with("<rect") && l.contains(&fill))
        .count()
}

/// Rectangles filled with series `i`'s colour.
fn rects_of_series(svg: &str, i: usize) -> usize {
    rects_filled(svg, &series_color_hex(i))
}

fn groups() -> Vec<String> {
    ["atomic", "minor", "o3"].map(String::from).to_vec()
}

#[test]
fn xml_checker_rejects_broken_documents() {
    assert!(check_xml("<svg><rect/></svg>").is_ok());
    assert!(check_xml("<svg><text>a &amp; b</text></svg>").is_ok());
    for bad in [
        "<svg><rect></svg>",
        "<svg><text>a & b</text></svg>",
        "<svg><text>a < b</text></svg>",
        "<svg x=1/>",
        "<svg/><svg/>",
        "<svg>",
        "<svg x=\"a<b\"/>",
    ] {
        assert!(check_xml(bad).is_err(), "{bad}");
    }
}

#[test]
fn grouped_bar_chart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e3.svg");
    let chart = BarChart::new(
        "E3 context switch <gem5> & guest",
        "cycles per switch",
        groups(),
    )
    .series("threads", vec![1200.0, 3400.0, 2_000_000.0])
    .series("async", vec![410.0, 505.0, 999.0])
    .series("device", vec![80.5, 90.26, 101.0]);
    chart.write_svg(&path).unwrap();
    let svg = read_svg(&path);
    let t = texts(&svg);
    for want in [
        "E3 context switch <gem5> & guest",
        "cycles per switch",
        "threads",
        "async",
        "device",
        "atomic",
        "minor",
        "o3",
    ] {
        assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
    }
    // One bar per series and group, plus the legend swatch.
    for i in 0..3 {
        assert_eq!(rects_of_series(&svg, i), 3 + 1, "series {i}");
    }
    // Value labels.
    for want in [
        "1200", "3400", "2.00M", "410", "505", "999", "80.5", "90.3", "101",
    ] {
        assert!(
            t.iter().any(|x| x == want),
            "no value label {want:?} in {t:?}"
        );
    }
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["e3.svg"]);
}

#[test]
fn bar_whiskers_and_missing_bars() {
    let dir = tempfile::tempdir().unwrap();
    let plain = BarChart::new("latency", "cycles", groups())
        .series("threads", vec![100.0, 200.0, 300.0])
        .series("async", vec![50.0, f64::NAN, 70.0]);
    let whiskers = vec![
        Whisker {
            low: 90.0,
            high: 150.0,
        },
        Whisker {
            low: f64::NAN,
            high: f64::NAN,
        },
        Whisker {
            low: 250.0,
            high: 420.0,
        },
    ];
    let mut with = plain.clone();
    with.series[0].whiskers = Some(whiskers);
    plain.write_svg(dir.path().join("plain.svg")).unwrap();
    with.write_svg(dir.path().join("with.svg")).unwrap();
    let a = read_svg(&dir.path().join("plain.svg"));
    let b = read_svg(&dir.path().join("with.svg"));
    // A NaN value draws no bar (and no label).
    assert_eq!(rects_of_series(&a, 0), 3 + 1);
    assert_eq!(rects_of_series(&a, 1), 2 + 1);
    // Each whisker is three lines (stem and two caps); a NaN whisker draws nothing.
    let whisker_lines = |svg: &str| {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#282828\""))
            .count()
    };
    assert_eq!(whisker_lines(&a), 0);
    assert_eq!(whisker_lines(&b), 2 * 3);
    // The whisker's top is in the y range: the tallest tick label is above 420.
    assert!(
        texts(&b).iter().any(|x| x == "450" || x == "500"),
        "{:?}",
        texts(&b)
    );
}

#[test]
fn bars_from_groups_and_json() {
    let chart = BarChart::from_groups(
        "E1",
        "ns",
        vec![
            (
                "1 core".into(),
                vec![("threads".into(), 10.0), ("async".into(), 4.0)],
            ),
            (
                "2 cores".into(),
                vec![("async".into(), 5.0), ("device".into(), 1.5)],
            ),
        ],
    );
    assert_eq!(chart.groups, ["1 core", "2 cores"]);
    let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["threads", "async", "device"]);
    assert_eq!(chart.series[0].values[0], 10.0);
    assert!(chart.series[0].values[1].is_nan());
    assert!(chart.series[2].values[0].is_nan());
    let svg = chart.to_svg().unwrap();
    check_xml(&svg).unwrap();
    assert_eq!(rects_of_series(&svg, 0), 1 + 1);
    assert_eq!(rects_of_series(&svg, 1), 2 + 1);
    assert_eq!(rects_of_series(&svg, 2), 1 + 1);

    // A chart description round-trips through JSON; defaults fill what is left out.
    let json = r#"{"title": "t", "y_label": "y", "groups": ["a"], "series": [{"label": "s", "values": [1.0]}]}"#;
    let c: BarChart = serde_json::from_str(json).unwrap();
    assert!(c.value_labels);
    assert_eq!(c.size, DEFAULT_SIZE);
    check_xml(&c.to_svg().unwrap()).unwrap();
}

#[test]
fn negative_bars() {
    let chart = BarChart::new("savings", "% of baseline", groups())
        .series("device", vec![-12.5, 30.0, 0.0]);
    let svg = chart.to_svg().unwrap();
    check_xml(&svg).unwrap();
    assert_eq!(rects_of_series(&svg, 0), 3 + 1);
    let t = texts(&svg);
    assert!(t.iter().any(|x| x == "-12.5"), "{t:?}");
}

#[test]
fn invalid_bar_charts_are_errors() {
    let cases = [
        (
            BarChart::new("t", "y", groups()).series("s", vec![1.0, 2.0]),
            "2 values for 3 groups",
        ),
        (
            BarChart::new("t", "y", vec![]).series("s", vec![]),
            "no groups",
        ),
        (BarChart::new("t", "y", groups()), "no series"),
        (
            BarChart::new("t", "y", groups()).series("s", vec![1.0, f64::INFINITY, 2.0]),
            "inf",
        ),
        (
            BarChart::new("t", "y", groups()).series_with_whiskers(
                "s",
                vec![1.0, 2.0, 3.0],
                vec![
                    Whisker {
                        low: 2.0,
                        high: 1.0
                    };
                    3
                ],
            ),
            "whisker 2..1",
        ),
        // Too small for the layout (the legend column would not fit): an error, not a panic.
        (
            BarChart {
                size: (100, 100),
                ..BarChart::new("t", "y", groups()).series("s", vec![1.0, 2.0, 3.0])
            },
            "size 100x100 is smaller than 320x240",
        ),
    ];
    for (chart, want) in cases {
        let e = chart.to_svg().unwrap_err();
        assert!(matches!(e, FigureError::InvalidData { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{e} does not say {want:?}");
    }
    // Nothing is written on error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.svg");
    assert!(BarChart::new("t", "y", groups()).write_svg(&path).is_err());
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn line_chart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/sweep.svg");
    let chart = LineChart::new(
        "E2 wake-up latency",
        "offered load (req/s)",
        "p99 latency (cycles)",
    )
    .series(
        "threads",
        vec![
            (1000.0, 800.0),
            (2000.0, 950.0),
            (4000.0, 1800.0),
            (8000.0, 9000.0),
        ],
    )
    .series(
        "async",
        vec![(1000.0, 300.0), (2000.0, 320.0), (4000.0, 400.0)],
    )
    .series("device", vec![(1000.0, 90.0), (8000.0, 120.0)]);
    chart.write_svg(&path).unwrap();
    let svg = read_svg(&path);
    let t = texts(&svg);
    for want in [
        "E2 wake-up latency",
        "offered load (req/s)",
        "p99 latency (cycles)",
        "threads",
        "async",
        "device",
    ] {
        assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
    }
    // One marker per point.
    assert_eq!(svg.matches("<circle").count(), 4 + 3 + 2);
    for i in 0..3 {
        let fill = format!("fill=\"{}\"", series_color_hex(i));
        let markers = svg
            .lines()
            .filter(|l| l.starts_with("<circle") && l.contains(&fill))
            .count();
        assert_eq!(markers, [4, 3, 2][i], "series {i}");
    }
}

#[test]
fn log_scale_line_chart() {
    let chart = LineChart::new("tail", "cores", "cycles")
        .log_y(true)
        .series("a", vec![(1.0, 12.0), (2.0, 130.0), (4.0, 4500.0)]);
    let svg = chart.to_svg().unwrap();
    check_xml(&svg).unwrap();
    let t = texts(&svg);
    // The axis spans whole decades: 10 … 10000.
    for want in ["10", "100", "1000", "10k"] {
        assert!(t.iter().any(|x| x == want), "no tick {want:?} in {t:?}");
    }
    assert_eq!(svg.matches("<circle").count(), 3);

    let both = chart.clone().log_x(true);
    check_xml(&both.to_svg().unwrap()).unwrap();

    let e = chart
        .clone()
        .series("zero", vec![(1.0, 0.0)])
        .to_svg()
        .unwrap_err();
    assert!(
        e.to_string().contains("y = 0 on a logarithmic y axis"),
        "{e}"
    );
    let e = LineChart::new("t", "x", "y")
        .series("nan", vec![(f64::NAN, 1.0)])
        .to_svg()
        .unwrap_err();
    assert!(e.to_string().contains("series \"nan\""), "{e}");
    let e = LineChart::new("t", "x", "y").to_svg().unwrap_err();
    assert!(e.to_string().contains("no points"), "{e}");
    let mut tiny = chart.clone();
    tiny.size = (200, 600);
    let e = tiny.to_svg().unwrap_err();
    assert!(e.to_string().contains("size 200x600"), "{e}");
    // A single point still draws.
    let one = LineChart::new("t", "x", "y")
        .series("s", vec![(3.0, 3.0)])
        .to_svg()
        .unwrap();
    check_xml(&one).unwrap();
}

#[test]
fn atomic_write_replaces_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fig.svg");
    std::fs::write(&path, "old").unwrap();
    write_atomic(&path, b"<svg/>").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "<svg/>");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["fig.svg"]);

    // A directory in the way: an error that names the path, and no temporary file left.
    let blocked = dir.path().join("blocked.svg");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    let e = write_atomic(&blocked, b"<svg/>").unwrap_err();
    assert!(matches!(e, FigureError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("blocked.svg"), "{e}");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["blocked.svg", "fig.svg"]);
}

#[test]
fn stacked_bar_chart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("breakdown.svg");
    let chart = StackedBarChart::new(
        "Wake-up <o3> & minor",
        "cycles per wake-up",
        vec!["o3 irq idle".into(), "minor irq idle".into()],
    )
    .segment("exception entry", vec![120.0, 90.0])
    .segment("context save", vec![240.0, f64::NAN])
    .segment("GIC ack", vec![60.0, 45.0]);
    chart.write_svg(&path).unwrap();
    let svg = read_svg(&path);
    let t = texts(&svg);
    for want in [
        "Wake-up <o3> & minor",
        "cycles per wake-up",
        "o3 irq idle",
        "minor irq idle",
        "exception entry",
        "context save",
        "GIC ack",
        // The totals.
        "420",
        "135",
    ] {
        assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
    }
    // One rectangle per present segment, plus the legend swatch.
    assert_eq!(rects_of_series(&svg, 0), 2 + 1);
    assert_eq!(rects_of_series(&svg, 1), 1 + 1);
    assert_eq!(rects_of_series(&svg, 2), 2 + 1);
}

/// Every committed figure is what the committed results draw, byte for byte: a change to the
/// figures code (or to how results are read) that moves a pixel fails here, not only in
/// `git status` after `just figures`.
#[test]
fn committed_figures_are_reproduced_exactly() {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&results).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let written = driver::experiments::redraw_all(dir.path(), false).unwrap();
    assert!(written.len() >= 4, "only {written:?} drawn");
    for svg in written {
        let name = svg.file_name().unwrap();
        let committed = std::fs::read(results.join(name))
            .unwrap_or_else(|e| panic!("{}: no committed figure: {e}", name.display()));
        assert!(
            std::fs::read(&svg).unwrap() == committed,
            "{} differs from the committed figure (run `just figures` and look at the diff)",
            name.display()
        );
    }
}

fn stacked_bars() -> Vec<String> {
    ["o3 irq idle", "o3 irq busy", "minor irq idle"]
        .map(String::from)
        .to_vec()
}

fn stacked_chart() -> StackedBarChart {
    StackedBarChart::new("Where a wake-up goes", "cycles", stacked_bars())
        .segment("exception entry", vec![120.0, 130.0, 90.0])
        .segment("context save", vec![240.0, 250.0, 180.0])
        .segment("GIC ack", vec![60.0, f64::NAN, 45.0])
        .segment("handler", vec![400.0, 420.0, 0.0])
}

#[test]
fn stacked_draws_labels_totals_and_segments() {
    let svg = stacked_chart().to_svg().unwrap();
    let t = texts(&svg);
    for want in [
        "Where a wake-up goes",
        "cycles",
        "o3 irq idle",
        "o3 irq busy",
        "minor irq idle",
        "exception entry",
        "context save",
        "GIC ack",
        "handler",
        // Totals: 120+240+60+400, 130+250+420 (NaN is no segment), 90+180+45 (+0).
        "820",
        "800",
        "315",
    ] {
        assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
    }
    // One rectangle per present segment, plus the legend swatch.
    for (s, present) in [3, 3, 2, 2].into_iter().enumerate() {
        assert_eq!(
            rects_filled(&svg, &series_color_hex(s)),
            present + 1,
            "segment {s}"
        );
    }
    // Values inside segments tall enough for them (the bars are ~400 px tall here).
    for want in ["240", "400", "420"] {
        assert!(t.iter().any(|x| x == want), "no value {want:?} in {t:?}");
    }
}

#[test]
fn legend_reads_top_down_like_the_stack() {
    let svg = stacked_chart().to_svg().unwrap();
    let pos = |label: &str| {
        svg.find(&format!(">{label}<")).unwrap_or_else(|| {
            // plotters may put the text on its own line.
            svg.find(&format!("\n{label}\n")).unwrap()
        })
    };
    // The legend is drawn before the bars, top entry first: the last segment first.
    assert!(pos("handler") < pos("GIC ack"));
    assert!(pos("GIC ack") < pos("context save"));
    assert!(pos("context save") < pos("exception entry"));
}

#[test]
fn more_segments_than_colours_are_hatched() {
    let mut c = StackedBarChart::new("many", "cycles", stacked_bars());
    for s in 0..12 {
        c = c.segment(format!("stage {s}"), vec![10.0 + s as f64; 3]);
    }
    let svg = c.to_svg().unwrap();
    let t = texts(&svg);
    for s in 0..12 {
        assert!(t.contains(&format!("stage {s}")), "stage {s}");
    }
    // Segments 8..12 are light rectangles with hatch lines in the full colour.
    assert_eq!(rects_filled(&svg, &hex(lighten(PALETTE[1]))), 3 + 1);
    assert!(svg.contains(&format!("stroke=\"{}\"", series_color_hex(1))));
}

#[test]
fn stacked_every_long_label_is_drawn() {
    let names: Vec<String> = (0..12)
        .map(|i| format!("o3 irq idle with option {i}"))
        .collect();
    let mut c = StackedBarChart::new("t", "y", names.clone());
    c = c.segment("s", vec![1.0; 12]);
    let t = texts(&c.to_svg().unwrap());
    let joined = t.join(" ");
    for name in names {
        assert!(joined.contains(&name), "{name} not in {t:?}");
    }
}

#[test]
fn stacked_empty_bars_and_zero_chart_draw() {
    let c = StackedBarChart::new("t", "y", vec!["a".into(), "b".into()])
        .segment("s", vec![f64::NAN, 0.0]);
    let svg = c.to_svg().unwrap();
    assert_eq!(rects_filled(&svg, &series_color_hex(0)), 1);
    assert_eq!(texts(&svg).iter().filter(|x| *x == "0").count(), 2 + 1);
}

#[test]
fn invalid_stacked_charts_are_errors() {
    let cases = [
        (
            StackedBarChart::new("t", "y", vec![]).segment("s", vec![]),
            "no bars",
        ),
        (
            StackedBarChart::new("t", "y", stacked_bars()),
            "no segments",
        ),
        (
            StackedBarChart::new("t", "y", stacked_bars()).segment("s", vec![1.0, 2.0]),
            "segment \"s\" has 2 values for 3 bars",
        ),
        (
            StackedBarChart::new("t", "y", stacked_bars()).segment("s", vec![1.0, -2.0, 3.0]),
            "segment \"s\" has the negative value -2 in bar \"o3 irq busy\"",
        ),
        (
            StackedBarChart::new("t", "y", stacked_bars())
                .segment("s", vec![1.0, 2.0, f64::INFINITY]),
            "segment \"s\" has the value inf in bar \"minor irq idle\"",
        ),
        (
            StackedBarChart {
                size: (100, 100),
                ..stacked_chart()
            },
            "size 100x100",
        ),
    ];
    for (c, want) in cases {
        let e = c.to_svg().unwrap_err();
        assert!(matches!(e, FigureError::InvalidData { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{e} does not say {want:?}");
    }
    // Nothing is written on error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.svg");
    assert!(
        StackedBarChart::new("t", "y", stacked_bars())
            .write_svg(&path)
            .is_err()
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn stacked_serde_round_trip() {
    let plain = StackedBarChart::new("t", "cycles", stacked_bars())
        .segment("a", vec![1.0, 2.0, 3.0])
        .segment("b", vec![4.0, 0.0, 6.5]);
    let json = serde_json::to_string(&plain).unwrap();
    assert_eq!(
        serde_json::from_str::<StackedBarChart>(&json).unwrap(),
        plain
    );

    // NaN goes out as null and comes back as NaN (NaN != NaN, so compare the JSON and
    // the drawing).
    let c = stacked_chart();
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("null"), "{json}");
    let back: StackedBarChart = serde_json::from_str(&json).unwrap();
    assert!(back.segments[2].values[1].is_nan());
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(back.to_svg().unwrap(), c.to_svg().unwrap());

    // The size may be left out.
    let json = r#"{"title": "t", "y_label": "y", "bars": ["a"], "segments": [{"label": "s", "values": [1.0]}]}"#;
    let c: StackedBarChart = serde_json::from_str(json).unwrap();
    assert_eq!(c.size, DEFAULT_SIZE);
}

#[test]
fn stacked_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/breakdown.svg");
    stacked_chart().write_svg(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    assert_eq!(svg, stacked_chart().to_svg().unwrap());
}
