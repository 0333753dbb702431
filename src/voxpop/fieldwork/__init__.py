"""Field work: going out into the country.

- kiosk: a shared tablet at a stall or library, one fresh participant per person, a staff PIN to leave
- paper: printable packs (statement cards, ballot sheets with ids, a QR code), double-entry tallies
- panels: invited panels chosen by lot with sortition-algorithms, one-time invitation codes
- channels: who came in how (online, kiosk, paper, invited) and the open-vs-invited comparison

Storage: voxpop.store.models_fieldwork. Web: voxpop.web.api.paper, voxpop.web.api.panels, voxpop.web.pages.paper, voxpop.web.pages.panels.
"""
