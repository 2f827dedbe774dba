def nav_section(request):
    """Which main-navigation entry the current page belongs to."""
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match else ""
    if name == "dashboard":
        section = "dashboard"
    elif name.startswith("base_roster"):
        section = "base_rosters"
    elif name.startswith("roster_period"):
        section = "roster_periods"
    elif match and match.namespace == "scheduling":
        section = "scheduling"
    else:
        section = name
    return {"nav_section": section}
