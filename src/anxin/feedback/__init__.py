"""The quality loop: follow-up surveys, service tasks for agents and quality, complaints."""
