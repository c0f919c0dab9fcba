// Package bgp announces the blocked prefixes to the network's own routers as
// BGP blackhole routes (remote-triggered blackholing, RTBH), through an
// embedded BGP speaker (GoBGP).
//
// Each prefix is announced with the BLACKHOLE community 65535:666 (RFC 7999),
// NO_EXPORT (65535:65281) and a next hop that the routers send to a discard
// interface: 192.0.2.1 for IPv4 and 100::1 for IPv6 by default. Routers turn
// such a route into a drop either by resolving the next hop through a static
// discard route (the classic RTBH trigger design: "192.0.2.1/32 to Null0",
// "100::/64 to Null0") or by matching BLACKHOLE in their import policy and
// setting the next hop to discard themselves (RFC 7999 section 3.2).
//
// What this does and does not do:
//
//   - It is destination-based. A router drops packets whose destination
//     falls in a blackholed prefix, so it stops traffic toward the blocked
//     networks, not from them. Blocking the other direction needs the routers
//     to run source-based RTBH (RFC 5635): unicast reverse-path forwarding
//     (uRPF) on the ingress interfaces, which then drops packets whose source
//     resolves to the discard route. Without that, packets from a blocked
//     network still reach their destination; only the replies die.
//   - It is ordinary routing. A more-specific route for part of a blocked
//     prefix (learned from a customer, a peer, or a static route) wins over the
//     blackhole for that part, and traffic there flows.
//   - NO_EXPORT keeps the routes inside the autonomous system (or
//     confederation) that receives them: they never leak to the Internet.
//     They still blackhole only where routers accept them; a router that
//     does not peer with seawall, or filters the routes, forwards as before.
//
// A Speaker keeps its routes across a restart of seawall with BGP graceful
// restart (RFC 4724): it advertises the capability, and when it stops (cleanly
// or not) it closes the sessions without a NOTIFICATION, so the routers keep
// the blackholes as stale routes for the restart time. When the speaker comes
// back it re-announces the full set before its End-of-RIB marker, which is
// why Run opens no session before the first Set: an End-of-RIB sent with an
// empty table would make the routers flush every stale blackhole.
package bgp
