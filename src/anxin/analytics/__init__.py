"""KPIs, the manager dashboard and exports."""
