"""The signed-in user's rules document over HTTP (``/api/v1/settings``); the document itself is
:class:`wickwatch.detection.schemas.UserSettings`."""
