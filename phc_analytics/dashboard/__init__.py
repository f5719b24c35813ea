"""The KPI dashboard (`phc-analytics dashboard`): Streamlit pages on the analytics marts, read
as the BI role. docs/dashboard.md describes the pages and how to add one."""
