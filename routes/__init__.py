"""Route network, origin-destination demand, flow assignment and scenario simulation.

    routes.network.default_network()       # multimodal osmnx-style MultiDiGraph
    routes.demand.default_demand()         # OD table from routes/data/scenario.yaml
    routes.flows.assign(G, demand, cps)    # k-route logit assignment with re-routing
    routes.simulate.intercepts(flows, ...) # synthetic intercept records + planted hotspots

See docs/routes.md.
"""
