"""The Voilà dashboard: filter options and measure panels (views), the ipywidgets app, the serve command."""
