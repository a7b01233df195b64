"""The Caspian simulator: traffic whose truth is known, in the formats and protocols of real sensors.

One module per concern: `geometry` (sea polygon, land test, short-range geodesy), `lanes` (sea-lane graph,
ports, anchorages, fishing grounds), `identity` (vessel types and identities), `fleet` (background traffic),
`actors` (scripted threats), `agents` (vectorised kinematics), `ais` (M.1371 transmitters, reception),
`aisnmea` (NMEA encoding), `radar` (sensor model), `engine` (the loop), `writers` (files), `live` (TCP
feeds), `events` (ground truth), `scenario` (scenario files), `run` and `cli` (`seawatch sim`).
See docs/simulator.md.
"""
