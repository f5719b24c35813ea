"""The dashboard's pages: each a function that draws one page from the marts, under the
filters the app resolved (app.py). Figures come from dashboard/queries.py; this module only lays
them out."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from phc_analytics.dashboard import periods
from phc_analytics.dashboard.data import load, load_fresh
from phc_analytics.dashboard.filters import Filters

NOT_BY_CHANNEL = "The channel filter does not apply here: a customer may buy through several."


def money(value: Decimal | float | None, currency: str) -> str:
    return "-" if value is None else f"{value:,.2f} {currency}".strip()


def percent(value: Decimal | float | None) -> str | None:
    return None if value is None else f"{float(value) * 100:+.1f} %"


MONEY_COLUMNS = {
    "net_revenue", "margin", "revenue", "average_value", "average_clv", "lifetime_value",
    "baseline_mean",
}  # fmt: skip


def table(df: pd.DataFrame) -> None:
    """A small table as HTML (every cell readable, copyable), money with two decimals."""
    money_columns = [c for c in df.columns if c in MONEY_COLUMNS]
    styled = df.style.format(
        {c: lambda v: "" if v is None else f"{v:,.2f}" for c in money_columns}, na_rep=""
    )
    st.table(styled, hide_index=True)


def several_shops() -> bool:
    """Whether the warehouse holds several shops, whose ids repeat: product 7 of one is not
    product 7 of another, so every per-shop row then names its shop."""
    return len(load("shops")) > 1


def shown(df: pd.DataFrame) -> pd.DataFrame:
    """A table as the page shows it: with one shop, without the shop column (nothing to tell
    apart)."""
    return df if several_shops() else df.drop(columns="shop", errors="ignore")


def labelled(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` with each row's shop in it when there are several ('Mug (paris)'): a chart's
    label is all it shows of a row, and two shops' product 7 are two bars."""
    if "shop" not in df.columns or not several_shops():
        return df
    return df.assign(**{column: df[column].astype(str) + " (" + df["shop"] + ")"})


def _months(df: pd.DataFrame, column: str = "month_start") -> list[str]:
    return [d.strftime("%Y-%m") for d in df[column]]


def _numeric(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Decimal columns as floats, for the charts (the tables keep the exact values)."""
    out = df.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c])
    return out


def _scope(filters: Filters, *, country: bool = True, channel: bool = True) -> None:
    ignored = [
        name
        for name, chosen, applies in (
            ("country", filters.countries, country),
            ("channel", filters.channels, channel),
        )
        if chosen and not applies
    ]
    if ignored:
        st.caption(f"The {' and '.join(ignored)} filter does not apply to this section.")


# --- overview ------------------------------------------------------------------------------------


def overview(filters: Filters, currency: str) -> None:
    st.header("Overview")
    st.caption(
        f"Valid orders, net revenue tax excluded, in {currency}."
        f" {filters.start:%d %b %Y} to {filters.end:%d %b %Y},"
        " compared with the same number of days just before."
    )
    period, before = filters.period, periods.previous_period(filters.period)
    revenue, orders = load("sales_totals", filters, period)
    prev_revenue, prev_orders = load("sales_totals", filters, before)
    aov, prev_aov = periods.average(revenue, orders), periods.average(prev_revenue, prev_orders)
    cols = st.columns(3)
    cols[0].metric(
        "Net revenue", money(revenue, currency), percent(periods.change(revenue, prev_revenue))
    )
    cols[1].metric("Orders", f"{orders:,}", percent(periods.change(orders, prev_orders)))
    cols[2].metric(
        "Average order value", money(aov, currency), percent(periods.change(aov, prev_aov))
    )

    as_of = filters.end
    mtd, mtd_prior = periods.month_to_date(as_of), periods.prior_month_to_date(as_of)
    ytd, ytd_prior = periods.year_to_date(as_of), periods.prior_year_to_date(as_of)
    (mtd_rev, mtd_orders), (mtd_prev, _) = (
        load("sales_totals", filters, p) for p in (mtd, mtd_prior)
    )
    (ytd_rev, ytd_orders), (ytd_prev, _) = (
        load("sales_totals", filters, p) for p in (ytd, ytd_prior)
    )
    cols = st.columns(2)
    mom, yoy = periods.change(mtd_rev, mtd_prev), periods.change(ytd_rev, ytd_prev)
    cols[0].metric(
        f"Month to date ({as_of:%d %b %Y})",
        money(mtd_rev, currency),
        f"{percent(mom)} MoM (same days last month)" if mom is not None else None,
    )
    cols[1].metric(
        f"Year to date ({as_of:%d %b %Y})",
        money(ytd_rev, currency),
        f"{percent(yoy)} YoY (same days last year)" if yoy is not None else None,
    )
    st.caption(f"{mtd_orders:,} orders month to date, {ytd_orders:,} year to date.")

    daily = load("daily_trend", filters)
    st.subheader("Daily net revenue")
    if daily.empty:
        st.info("No orders in this range.")
    else:
        st.altair_chart(
            alt.Chart(_numeric(daily, "net_revenue"))
            .mark_line()
            .encode(
                x=alt.X("date_day:T", title=None),
                y=alt.Y("net_revenue:Q", title=f"net revenue ({currency})"),
                tooltip=["date_day:T", "net_revenue:Q", "orders:Q"],
            ),
            width="stretch",
        )
    monthly = load("monthly_trend", filters)
    st.subheader(f"Monthly, the twelve months to {filters.end:%b %Y}")
    if not monthly.empty:
        st.altair_chart(
            alt.Chart(_numeric(monthly, "net_revenue").assign(month=_months(monthly)))
            .mark_bar()
            .encode(
                x=alt.X("month:O", title=None),
                y=alt.Y("net_revenue:Q", title=f"net revenue ({currency})"),
                tooltip=["month:O", "net_revenue:Q", "orders:Q"],
            ),
            width="stretch",
        )
    left, right = st.columns(2)
    for column, title, name, key in (
        (left, "By country", "split_by_country", "country"),
        (right, "By channel", "split_by_channel", "channel"),
    ):
        with column:
            st.subheader(title)
            split = labelled(load(name, filters), key)
            if split.empty:
                continue
            st.altair_chart(
                alt.Chart(_numeric(split, "net_revenue"))
                .mark_bar()
                .encode(
                    y=alt.Y(f"{key}:N", sort="-x", title=None),
                    x=alt.X("net_revenue:Q", title=f"net revenue ({currency})"),
                    tooltip=[f"{key}:N", "net_revenue:Q", "orders:Q"],
                ),
                width="stretch",
            )


# --- products ------------------------------------------------------------------------------------


def products(filters: Filters, currency: str) -> None:
    st.header("Products and categories")
    st.caption(f"Valid order lines in the range; revenue and margin in {currency}, tax excluded.")
    ranking = load("product_ranking", filters)
    top = ranking.products_by_revenue
    left, right = st.columns(2)
    with left:
        st.subheader("Top products by revenue")
        table(shown(top.drop(columns=["product_id"])))
    with right:
        st.subheader("Top products by margin")
        by_margin = labelled(ranking.products_by_margin, "product")
        if not by_margin.empty:
            st.altair_chart(
                alt.Chart(_numeric(by_margin, "margin"))
                .mark_bar()
                .encode(
                    y=alt.Y("product:N", sort="-x", title=None),
                    x=alt.X("margin:Q", title=f"margin ({currency})"),
                    tooltip=["product:N", "margin:Q", "net_revenue:Q"],
                ),
                width="stretch",
            )
    left, right = st.columns(2)
    with left:
        st.subheader("Top categories by revenue")
        table(shown(ranking.categories_by_revenue))
    with right:
        st.subheader("Top categories by margin")
        table(shown(ranking.categories_by_margin))

    st.subheader("One product's daily sales")
    if top.empty:
        st.info("No product sold in this range.")
    else:
        keys = zip(top["product_id"], top["shop"], strict=True)
        names = dict(zip(keys, labelled(top, "product")["product"], strict=True))
        product_id, shop = st.selectbox("Product", list(names), format_func=lambda p: names[p])
        daily = load("product_daily", filters, int(product_id), shop)
        st.altair_chart(
            alt.Chart(_numeric(daily, "net_revenue"))
            .mark_bar()
            .encode(
                x=alt.X("date_day:T", title=None),
                y=alt.Y("quantity:Q", title="units"),
                tooltip=["date_day:T", "quantity:Q", "net_revenue:Q"],
            ),
            width="stretch",
        )
    st.subheader("Bought together")
    st.caption("All time, every country and channel (product_pairs).")
    table(shown(load("bought_together", filters.shops)))


# --- customers -----------------------------------------------------------------------------------


def customers(filters: Filters, currency: str) -> None:
    st.header("Customers")
    st.caption(
        "Customers with at least one valid order, over their whole history: the date range"
        " applies to the cohorts only, the country filter to the customer's last delivery"
        " country." + (f" {NOT_BY_CHANNEL}" if filters.channels else "")
    )
    count, churn, clv = load("customer_summary", filters)
    cols = st.columns(3)
    cols[0].metric("Customers", f"{count:,}")
    cols[1].metric("Churned", f"{float(churn) * 100:.1f} %")
    cols[2].metric("Average CLV", money(clv, currency))

    st.subheader("Cohort retention")
    st.caption("Cohorts by the month of their first valid order, starting in the range.")
    cohorts = load("cohort_retention", filters)
    if cohorts.empty:
        st.info("No cohort starts in this range.")
    else:
        st.altair_chart(
            alt.Chart(
                _numeric(cohorts, "retention_rate").assign(cohort=_months(cohorts, "cohort_month"))
            )
            .mark_rect()
            .encode(
                x=alt.X("cohort_month_number:O", title="months since first order"),
                y=alt.Y("cohort:O", title="cohort"),
                color=alt.Color(
                    "retention_rate:Q", scale=alt.Scale(scheme="blues"), title="retained"
                ),
                tooltip=[
                    "cohort_month:T",
                    "cohort_month_number:O",
                    "cohort_size:Q",
                    "retention_rate:Q",
                ],
            ),
            width="stretch",
        )
    left, right = st.columns(2)
    with left:
        st.subheader("RFM segments")
        table(load("rfm_segments", filters))
    with right:
        st.subheader("Revenue tiers, churn and CLV")
        table(load("revenue_tiers", filters))
    st.subheader("Top customers")
    top = shown(load("top_customers", filters))
    st.caption(
        "Emails hashed (SHA-256) and names as initials: PHC_BI_PII=masked."
        if load("pii_masked")
        else "Emails and names in full: PHC_BI_PII=full."
    )
    table(top)


# --- anomalies -----------------------------------------------------------------------------------


def anomalies(filters: Filters, currency: str) -> None:
    st.header("Anomalies")
    _scope(filters, country=False, channel=False)
    several = several_shops()
    caption = (
        "Days whose net revenue is far from the same weekday's trailing baseline"
        " (sales_anomalies), shop-wide."
    )
    if several:
        caption += " Each shop has its own series: a day flagged in two shops counts twice."
    st.caption(caption)
    days = load("anomalies", filters)
    flagged = days[days["is_anomaly"].fillna(False)] if not days.empty else days
    st.metric("Flagged days in the range", f"{len(flagged):,}")
    if not days.empty:
        series = _numeric(days, "net_revenue", "baseline_mean")
        # One line per shop (a baseline does not add up across shops), coloured when several.
        by_shop = {"color": alt.Color("shop:N", title="shop")} if several else {}
        line = (
            alt.Chart(series)
            .mark_line()
            .encode(
                x=alt.X("date_day:T", title=None),
                y=alt.Y("net_revenue:Q", title=f"net revenue ({currency})"),
                detail="shop:N",
                **by_shop,
            )
        )
        baseline = (
            alt.Chart(series)
            .mark_line(strokeDash=[4, 4], color="gray")
            .encode(x="date_day:T", y="baseline_mean:Q", detail="shop:N")
        )
        points = (
            alt.Chart(series[series["is_anomaly"].fillna(False)])
            .mark_point(color="red", size=80, filled=True)
            .encode(
                x="date_day:T",
                y="net_revenue:Q",
                tooltip=[
                    "date_day:T",
                    *(["shop:N"] if several else []),
                    "net_revenue:Q",
                    "baseline_mean:Q",
                    "z_score:Q",
                    "anomaly_direction:N",
                ],
            )
        )
        st.altair_chart(line + baseline + points, width="stretch")
    table(shown(flagged))


# --- data health ---------------------------------------------------------------------------------


def health(filters: Filters, currency: str) -> None:
    st.header("Data health")
    st.caption("Check this before trusting the numbers. Not filtered: the whole warehouse, now.")
    counts = load_fresh("check_counts")
    failing = load_fresh("failing_checks")
    quarantine = load_fresh("quarantine")
    cols = st.columns(3)
    cols[0].metric("Checks passed", f"{counts.get('passed', 0):,}")
    cols[1].metric("Checks failing", f"{counts.get('failed', 0):,}")
    cols[2].metric(
        "Quarantined records",
        f"{int(quarantine['records'].sum()) if not quarantine.empty else 0:,}",
    )
    if not counts:
        st.info("No quality report yet: it is written after each build (`phc-analytics run`).")
    st.subheader("Last sync per resource")
    table(load_fresh("sync_status"))
    st.subheader("Freshness of each mart")
    table(load_fresh("mart_freshness"))
    st.subheader("Failing checks")
    if failing.empty:
        st.success("No check is failing.")
    else:
        table(failing)
    st.subheader("Quarantined records")
    if quarantine.empty:
        st.success("No record is quarantined.")
    else:
        table(shown(quarantine))


PAGES = (
    ("Overview", "overview", overview),
    ("Products", "products", products),
    ("Customers", "customers", customers),
    ("Anomalies", "anomalies", anomalies),
    ("Data health", "health", health),
)
