"""The page's colours: Gradio's default theme with a blue primary colour dark enough for white
text (WCAG AA, 4.5:1) and placeholders and secondary text readable in light and dark mode."""

from __future__ import annotations

import gradio as gr

FONTS = ["system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "Consolas", "monospace"]


def page_theme() -> gr.themes.Base:
    theme = gr.themes.Default(primary_hue="blue", font=FONTS, font_mono=MONO_FONTS)
    return theme.set(
        # White on blue-700 is 6.7:1 (the default orange-500 was 2.8:1).
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_hover_dark="*primary_800",
        button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_dark="#b91c1c",
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_background_fill_hover_dark="#991b1b",
        # Placeholders: gray-600 on white, gray-400 on the dark input (both over 4.5:1).
        input_placeholder_color="*neutral_600",
        input_placeholder_color_dark="*neutral_400",
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_400",
        block_label_text_color="*neutral_700",
        block_label_text_color_dark="*neutral_300",
        link_text_color="*primary_700",
        link_text_color_dark="*primary_300",
        link_text_color_hover="*primary_800",
        link_text_color_hover_dark="*primary_200",
        link_text_color_visited="*primary_800",
        link_text_color_visited_dark="*primary_300",
    )
