// WatchpostReports owns uptime figures and report rendering (HTML with SVG, CSV, text).
